package io.userstreams.testkit;

import io.userstreams.localstack.LocalStack;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.internet.InternetAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The local mailboxes, read the way a mail client reads them: over IMAP from the local stack's
 * mail server (what the local SES endpoint delivered). One login per address; any password.
 */
public final class Inbox {

    /** One received mail. {@code html} is null for a text-only mail. */
    public record Mail(String recipient, String from, String subject, String text, String html, String messageId) {
        @Override
        public String toString() {
            return "Mail[to=" + io.userstreams.core.user.Emails.mask(recipient) + ", subject=" + subject + "]";
        }
    }

    private final String host;
    private final int imapPort;

    public Inbox(String host, int imapPort) {
        if (imapPort <= 0) {
            throw new IllegalStateException("the local stack runs no IMAP server");
        }
        this.host = host;
        this.imapPort = imapPort;
    }

    public static Inbox of(LocalStack stack) {
        return new Inbox(stack.mailServer().host(), stack.mailServer().imapPort());
    }

    /** Every mail in the address's INBOX, oldest first. */
    public List<Mail> messages(String address) {
        Properties p = new Properties();
        p.put("mail.imap.host", host);
        p.put("mail.imap.port", Integer.toString(imapPort));
        p.put("mail.imap.connectiontimeout", "5000");
        p.put("mail.imap.timeout", "10000");
        Session session = Session.getInstance(p);
        try (Store store = session.getStore("imap")) {
            store.connect(host, imapPort, address, "local");
            Folder inbox = store.getFolder("INBOX");
            if (!inbox.exists()) {
                return List.of();
            }
            inbox.open(Folder.READ_ONLY);
            try {
                List<Mail> out = new ArrayList<>();
                for (Message m : inbox.getMessages()) {
                    out.add(read(address, m));
                }
                return out;
            } finally {
                inbox.close(false);
            }
        } catch (MessagingException | IOException e) {
            throw new IllegalStateException("reading the local inbox over IMAP failed: " + e.getMessage(), e);
        }
    }

    /** Waits until the address has at least {@code n} mails; returns them (fails after {@code timeout}). */
    public List<Mail> await(String address, int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<Mail> mails = messages(address);
            if (mails.size() >= n) {
                return mails;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " mail(s) for " + io.userstreams.core.user.Emails.mask(address)
                        + " within " + timeout + ", found " + mails.size());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static Mail read(String address, Message m) throws MessagingException, IOException {
        Address[] from = m.getFrom();
        String[] ids = m.getHeader("Message-ID");
        String[] texts = new String[2];
        collect(m, texts);
        return new Mail(address, from == null || from.length == 0 ? null : ((InternetAddress) from[0]).getAddress(),
                m.getSubject(), texts[0], texts[1], ids == null ? null : ids[0]);
    }

    private static void collect(Part part, String[] texts) throws MessagingException, IOException {
        if (part.isMimeType("text/plain") && texts[0] == null) {
            texts[0] = (String) part.getContent();
        } else if (part.isMimeType("text/html") && texts[1] == null) {
            texts[1] = (String) part.getContent();
        } else if (part.isMimeType("multipart/*")) {
            Multipart mp = (Multipart) part.getContent();
            for (int i = 0; i < mp.getCount(); i++) {
                BodyPart b = mp.getBodyPart(i);
                collect(b, texts);
            }
        }
    }
}
