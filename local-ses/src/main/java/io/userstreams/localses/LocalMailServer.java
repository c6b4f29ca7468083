package io.userstreams.localses;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.internet.MimeMessage;
import java.util.List;

/**
 * A real SMTP and IMAP server (GreenMail) on 127.0.0.1. Every recipient gets a mailbox on first
 * delivery; IMAP logins take the full address as user name and any password (authentication is off:
 * it is a local inbox, not a mail service).
 */
public final class LocalMailServer implements AutoCloseable {

    private final GreenMail greenMail;

    private LocalMailServer(GreenMail greenMail) {
        this.greenMail = greenMail;
    }

    /**
     * @param host     interface to bind; use 127.0.0.1
     * @param smtpPort 0 picks a free port
     * @param imapPort 0 picks a free port
     */
    public static LocalMailServer start(String host, int smtpPort, int imapPort) {
        GreenMail gm = new GreenMail(new ServerSetup[] {
            new ServerSetup(smtpPort, host, ServerSetup.PROTOCOL_SMTP),
            new ServerSetup(imapPort, host, ServerSetup.PROTOCOL_IMAP)})
                .withConfiguration(GreenMailConfiguration.aConfig().withDisabledAuthentication());
        gm.start();
        return new LocalMailServer(gm);
    }

    public String host() {
        return greenMail.getSmtp().getBindTo();
    }

    public int smtpPort() {
        return greenMail.getSmtp().getPort();
    }

    public int imapPort() {
        return greenMail.getImap().getPort();
    }

    /** Every message received so far, all mailboxes. */
    public List<MimeMessage> receivedMessages() {
        return List.of(greenMail.getReceivedMessages());
    }

    /** Empties every mailbox (between tests). */
    public void purge() {
        try {
            greenMail.purgeEmailFromAllMailboxes();
        } catch (Exception e) {
            throw new IllegalStateException("purging the local mailboxes failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        greenMail.stop();
    }
}
