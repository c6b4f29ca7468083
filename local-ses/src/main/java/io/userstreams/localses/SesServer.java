package io.userstreams.localses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thin Amazon SES v2 endpoint on the JDK's HTTP server: {@code POST /v2/email/outbound-emails}
 * (SendEmail with Simple content), validated as SES validates it, and relayed at once over SMTP into
 * a real mail server, so a test reads the mail over IMAP. Works with the real SDK v2 {@code SesV2Client}.
 * Deviations from SES are listed in the module's README.
 */
public final class SesServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SesServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_REQUEST_BYTES = 41 * 1024 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();
    static final String SEND_EMAIL_PATH = "/v2/email/outbound-emails";

    static {
        // Headers and body are written separately: without TCP_NODELAY each answer waits ~40 ms for an ACK.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /**
     * @param host               interface to bind; use 127.0.0.1
     * @param port               0 picks a free port
     * @param region             named in "not verified" rejections
     * @param smtpHost           the SMTP server mails are relayed into
     * @param smtpPort           its port
     * @param verifiedIdentities domains and addresses allowed as sender (as SES's verified identities)
     * @param configurationSets  the configuration sets that exist
     */
    public record Config(String host, int port, String region, String smtpHost, int smtpPort,
                         Set<String> verifiedIdentities, Set<String> configurationSets) {
        public Config {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(smtpHost, "smtpHost");
            verifiedIdentities = Set.copyOf(verifiedIdentities.stream().map(s -> s.toLowerCase(Locale.ROOT)).toList());
            configurationSets = Set.copyOf(configurationSets);
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("SES port must be 0..65535, was " + port);
            }
        }
    }

    /** One mail SES accepted and relayed. */
    public record RelayedMail(String messageId, List<String> recipients, String subject, String configurationSet) {
    }

    private final Config config;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Session smtp;
    private final SesFaults faults = new SesFaults();
    private final List<Consumer<RelayedMail>> listeners = new CopyOnWriteArrayList<>();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final Set<String> verifiedIdentities = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Set<String> configurationSets = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private SesServer(Config config, HttpServer server, ExecutorService executor) {
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.verifiedIdentities.addAll(config.verifiedIdentities());
        this.configurationSets.addAll(config.configurationSets());
        Properties p = new Properties();
        p.put("mail.smtp.host", config.smtpHost());
        p.put("mail.smtp.port", Integer.toString(config.smtpPort()));
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "10000");
        p.put("mail.smtp.writetimeout", "10000");
        this.smtp = Session.getInstance(p);
    }

    public static SesServer start(Config config) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind the local SES endpoint to " + config.host() + ":" + config.port()
                    + ": " + e.getMessage(), e);
        }
        ThreadPoolExecutor executor = new ThreadPoolExecutor(8, 8, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "local-ses-" + THREADS.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        SesServer ses = new SesServer(config, server, executor);
        server.createContext("/", ses::handle);
        server.setExecutor(executor);
        server.start();
        log.atInfo().addKeyValue("endpoint", ses.endpoint().toString()).addKeyValue("smtpPort", config.smtpPort())
                .log("local SES endpoint started");
        return ses;
    }

    public URI endpoint() {
        return URI.create("http://" + config.host() + ":" + server.getAddress().getPort());
    }

    /** Marks a domain or address as verified (CreateEmailIdentity, already verified). */
    public void verifyIdentity(String domainOrAddress) {
        verifiedIdentities.add(domainOrAddress.toLowerCase(Locale.ROOT));
    }

    /** Creates a configuration set (CreateConfigurationSet); its events go nowhere locally. */
    public void createConfigurationSet(String name) {
        configurationSets.add(name);
    }

    public SesFaults faults() {
        return faults;
    }

    /** Called once per relayed mail, on the request's thread, after the SMTP server took it. */
    public void onRelayed(Consumer<RelayedMail> listener) {
        listeners.add(Objects.requireNonNull(listener));
    }

    public void removeListener(Consumer<RelayedMail> listener) {
        listeners.remove(listener);
    }

    public long acceptedCount() {
        return accepted.get();
    }

    public long rejectedCount() {
        return rejected.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        try (exchange) {
            exchange.getResponseHeaders().set("x-amzn-RequestId", requestId);
            String path = exchange.getRequestURI().getPath();
            if (!SEND_EMAIL_PATH.equals(path) || !"POST".equals(exchange.getRequestMethod())) {
                send(exchange, new SesError(404, "UnknownOperationException",
                        "The local SES endpoint serves only POST " + SEND_EMAIL_PATH + " (SendEmail)."));
                return;
            }
            try {
                byte[] body = readBody(exchange.getRequestBody());
                JsonNode json;
                try {
                    json = JSON.readTree(body);
                } catch (IOException e) {
                    throw new SesError(400, "SerializationException", "The request body is not valid JSON.");
                }
                String messageId = sendEmail(SendEmailRequest.parse(json));
                accepted.incrementAndGet();
                respond(exchange, 200, "{\"MessageId\":\"" + messageId + "\"}");
            } catch (SesError e) {
                rejected.incrementAndGet();
                log.atDebug().addKeyValue("requestId", requestId).addKeyValue("code", e.code())
                        .addKeyValue("reason", e.getMessage()).log("SendEmail refused");
                send(exchange, e);
            }
        }
    }

    private String sendEmail(SendEmailRequest request) {
        if (request.configurationSet() != null && !configurationSets.contains(request.configurationSet())) {
            throw new SesError(404, "NotFoundException", "Configuration set <" + request.configurationSet()
                    + "> does not exist.");
        }
        String fromAddress = request.from().getAddress().toLowerCase(Locale.ROOT);
        String fromDomain = fromAddress.substring(fromAddress.lastIndexOf('@') + 1);
        if (!verifiedIdentities.contains(fromAddress) && !verifiedIdentities.contains(fromDomain)) {
            throw SesError.messageRejected("Email address is not verified. The following identities failed the check"
                    + " in region " + config.region().toUpperCase(Locale.ROOT) + ": " + request.from().getAddress());
        }
        // Faults after validation: SES validates before it applies the sending rate.
        var fault = faults.take();
        if (fault.isPresent()) {
            throw fault.get().error();
        }
        String messageId = String.format("%016x-%s-000000", System.currentTimeMillis(), UUID.randomUUID());
        try {
            MimeMessage mime = mime(request, messageId);
            Transport.send(mime);
        } catch (MessagingException e) {
            // SES would accept and bounce later; locally the relay failing is the endpoint failing.
            log.atWarn().addKeyValue("error", e.toString()).log("relay to the local SMTP server failed");
            throw new SesError(500, "InternalFailure", "Relaying to the local SMTP server failed: " + e.getMessage());
        }
        RelayedMail relayed = new RelayedMail(messageId, request.recipients().stream().map(InternetAddress::getAddress)
                .toList(), request.subject(), request.configurationSet());
        for (Consumer<RelayedMail> l : listeners) {
            try {
                l.accept(relayed);
            } catch (RuntimeException e) {
                log.atWarn().addKeyValue("error", e.toString()).log("a relay listener failed");
            }
        }
        return messageId;
    }

    private MimeMessage mime(SendEmailRequest r, String messageId) throws MessagingException {
        MimeMessage m = new MimeMessage(smtp) {
            @Override
            protected void updateMessageID() throws MessagingException {
                setHeader("Message-ID", "<" + messageId + "@email.amazonses.com>");
            }
        };
        m.setFrom(r.from());
        m.setRecipients(Message.RecipientType.TO, r.to().toArray(InternetAddress[]::new));
        if (!r.cc().isEmpty()) {
            m.setRecipients(Message.RecipientType.CC, r.cc().toArray(InternetAddress[]::new));
        }
        if (!r.bcc().isEmpty()) {
            m.setRecipients(Message.RecipientType.BCC, r.bcc().toArray(InternetAddress[]::new));
        }
        if (!r.replyTo().isEmpty()) {
            m.setReplyTo(r.replyTo().toArray(InternetAddress[]::new));
        }
        // RFC 2047 encoded words when the subject is not ASCII, as SES does for Simple content.
        m.setSubject(r.subject(), r.subjectCharset().name());
        m.setSentDate(new Date());
        if (r.configurationSet() != null) {
            m.setHeader("X-SES-CONFIGURATION-SET", r.configurationSet());
        }
        if (r.text() != null && r.html() != null) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart text = new MimeBodyPart();
            text.setText(r.text(), r.textCharset().name(), "plain");
            MimeBodyPart html = new MimeBodyPart();
            html.setText(r.html(), r.htmlCharset().name(), "html");
            alternative.addBodyPart(text);
            alternative.addBodyPart(html);
            m.setContent(alternative);
        } else if (r.text() != null) {
            m.setText(r.text(), r.textCharset().name(), "plain");
        } else {
            m.setText(r.html(), r.htmlCharset().name(), "html");
        }
        m.saveChanges();
        return m;
    }

    private static byte[] readBody(InputStream in) throws IOException {
        byte[] body = in.readNBytes(MAX_REQUEST_BYTES + 1);
        if (body.length > MAX_REQUEST_BYTES) {
            throw SesError.messageRejected("Message length is more than 40 MB.");
        }
        return body;
    }

    private static void send(HttpExchange exchange, SesError e) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", e.code());
        respond(exchange, e.status(), JSON.writeValueAsString(Map.of("message", String.valueOf(e.getMessage()))));
    }

    private static void respond(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        log.atInfo().addKeyValue("accepted", accepted.get()).addKeyValue("rejected", rejected.get())
                .log("local SES endpoint stopped");
    }
}
