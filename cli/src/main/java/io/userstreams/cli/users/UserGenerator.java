package io.userstreams.cli.users;

import io.userstreams.core.user.User;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.SplittableRandom;

/**
 * Realistic users: names in their own script (Korean, Japanese, Chinese, Spanish, German, French,
 * Portuguese, Arabic, Hindi, English...), a matching country and locale, plans skewed like a real
 * product (most free, few enterprise). Emails are ASCII (romanized) and unique per userId.
 * Deterministic for a given seed.
 */
public final class UserGenerator {

    /** A culture: country, locales, given and family names (native, romanized), family-name-first order. */
    record Culture(String country, String[] locales, String[][] given, String[][] family, boolean familyFirst,
                   String separator, int weight) {
    }

    static final List<Culture> CULTURES = List.of(
            new Culture("KR", new String[] {"ko", "ko-KR"},
                    new String[][] {{"민준", "minjun"}, {"서연", "seoyeon"}, {"지훈", "jihun"}, {"수아", "sua"},
                            {"도윤", "doyun"}, {"하은", "haeun"}, {"예준", "yejun"}, {"지우", "jiwoo"}},
                    new String[][] {{"김", "kim"}, {"이", "lee"}, {"박", "park"}, {"최", "choi"}, {"정", "jung"},
                            {"강", "kang"}},
                    true, "", 14),
            new Culture("JP", new String[] {"ja", "ja-JP"},
                    new String[][] {{"陽翔", "haruto"}, {"結衣", "yui"}, {"蓮", "ren"}, {"美咲", "misaki"},
                            {"大和", "yamato"}, {"さくら", "sakura"}},
                    new String[][] {{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"}, {"田中", "tanaka"},
                            {"渡辺", "watanabe"}},
                    true, " ", 12),
            new Culture("ES", new String[] {"es", "es-ES"},
                    new String[][] {{"José", "jose"}, {"María", "maria"}, {"Lucía", "lucia"}, {"Íñigo", "inigo"},
                            {"Martín", "martin"}},
                    new String[][] {{"García", "garcia"}, {"Fernández", "fernandez"}, {"Martínez", "martinez"},
                            {"Muñoz", "munoz"}},
                    false, " ", 8),
            new Culture("MX", new String[] {"es-MX"},
                    new String[][] {{"Sofía", "sofia"}, {"Mateo", "mateo"}, {"Valentina", "valentina"}},
                    new String[][] {{"Hernández", "hernandez"}, {"López", "lopez"}, {"González", "gonzalez"}},
                    false, " ", 6),
            new Culture("DE", new String[] {"de", "de-DE"},
                    new String[][] {{"Jürgen", "juergen"}, {"Lena", "lena"}, {"Jörg", "joerg"}, {"Anna", "anna"},
                            {"Lukas", "lukas"}},
                    new String[][] {{"Müller", "mueller"}, {"Schröder", "schroeder"}, {"Weiß", "weiss"},
                            {"Becker", "becker"}},
                    false, " ", 8),
            new Culture("FR", new String[] {"fr", "fr-FR"},
                    new String[][] {{"Chloé", "chloe"}, {"Léa", "lea"}, {"Théo", "theo"}, {"Hélène", "helene"}},
                    new String[][] {{"Lefèvre", "lefevre"}, {"Dubois", "dubois"}, {"Moreau", "moreau"}},
                    false, " ", 6),
            new Culture("BR", new String[] {"pt-BR", "pt"},
                    new String[][] {{"João", "joao"}, {"Ana", "ana"}, {"Gonçalo", "goncalo"}},
                    new String[][] {{"Silva", "silva"}, {"Conceição", "conceicao"}, {"Araújo", "araujo"}},
                    false, " ", 6),
            new Culture("CN", new String[] {"zh", "zh-CN"},
                    new String[][] {{"伟", "wei"}, {"芳", "fang"}, {"磊", "lei"}},
                    new String[][] {{"王", "wang"}, {"李", "li"}, {"张", "zhang"}},
                    true, "", 6),
            new Culture("EG", new String[] {"ar", "ar-EG"},
                    new String[][] {{"محمد", "mohamed"}, {"فاطمة", "fatima"}, {"أحمد", "ahmed"}},
                    new String[][] {{"حسن", "hassan"}, {"علي", "ali"}},
                    false, " ", 3),
            new Culture("IN", new String[] {"hi", "en-IN"},
                    new String[][] {{"आरव", "aarav"}, {"प्रिया", "priya"}, {"अनन्या", "ananya"}},
                    new String[][] {{"शर्मा", "sharma"}, {"पटेल", "patel"}},
                    false, " ", 5),
            new Culture("US", new String[] {"en", "en-US"},
                    new String[][] {{"Emma", "emma"}, {"Liam", "liam"}, {"Olivia", "olivia"}, {"Noah", "noah"},
                            {"Ava", "ava"}},
                    new String[][] {{"Smith", "smith"}, {"Johnson", "johnson"}, {"O'Brien", "obrien"},
                            {"Williams", "williams"}},
                    false, " ", 20),
            new Culture("GB", new String[] {"en-GB"},
                    new String[][] {{"Oliver", "oliver"}, {"Amelia", "amelia"}},
                    new String[][] {{"Taylor", "taylor"}, {"Davies", "davies"}},
                    false, " ", 6));

    private static final int TOTAL_WEIGHT = CULTURES.stream().mapToInt(Culture::weight).sum();

    private final SplittableRandom random;

    public UserGenerator(long seed) {
        this.random = new SplittableRandom(seed);
    }

    private UserGenerator(SplittableRandom random) {
        this.random = random;
    }

    /** An independent generator for another thread. */
    public UserGenerator split() {
        return new UserGenerator(random.split());
    }

    public User next(Instant createdAt) {
        Culture c = pickCulture();
        String[] given = c.given()[random.nextInt(c.given().length)];
        String[] family = c.family()[random.nextInt(c.family().length)];
        String name = c.familyFirst() ? family[0] + c.separator() + given[0] : given[0] + " " + family[0];
        String id = String.format("u-%016x", random.nextLong());
        String email = given[1] + "." + family[1] + "." + id.substring(id.length() - 8) + "@example.com";
        String locale = c.locales()[random.nextInt(c.locales().length)];
        return new User(id, email, name, plan(), c.country(), locale, createdAt, 1, OptionalLong.empty());
    }

    private Culture pickCulture() {
        int r = random.nextInt(TOTAL_WEIGHT);
        for (Culture c : CULTURES) {
            r -= c.weight();
            if (r < 0) {
                return c;
            }
        }
        return CULTURES.get(0);
    }

    private String plan() {
        int r = random.nextInt(100);
        return r < 70 ? "free" : r < 95 ? "pro" : "enterprise";
    }
}
