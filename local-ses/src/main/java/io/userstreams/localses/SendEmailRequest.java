package io.userstreams.localses;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A SendEmail (SES v2) request with Simple content, validated as SES validates it: every address
 * parsed strictly (SES answers BadRequestException with the parser's words, e.g. "Missing final
 * '@domain'"), 1 to 50 recipients, a subject and at least one body part, known charsets, valid
 * email tags, at most 40 MB. Raw and Template content are not served locally.
 */
record SendEmailRequest(InternetAddress from, List<InternetAddress> to, List<InternetAddress> cc,
                        List<InternetAddress> bcc, List<InternetAddress> replyTo, String subject, Charset subjectCharset,
                        String text, Charset textCharset, String html, Charset htmlCharset, String configurationSet,
                        Map<String, String> tags) {

    static final int MAX_RECIPIENTS = 50;
    static final long MAX_MESSAGE_BYTES = 40L * 1024 * 1024;
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_-]{1,256}");
    private static final Set<String> KNOWN_FIELDS = Set.of("FromEmailAddress", "FromEmailAddressIdentityArn",
            "Destination", "ReplyToAddresses", "FeedbackForwardingEmailAddress", "FeedbackForwardingEmailAddressIdentityArn",
            "Content", "EmailTags", "ConfigurationSetName", "ListManagementOptions", "EndpointId", "TenantName");

    List<InternetAddress> recipients() {
        List<InternetAddress> all = new ArrayList<>(to);
        all.addAll(cc);
        all.addAll(bcc);
        return all;
    }

    static SendEmailRequest parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new SesError(400, "SerializationException", "The request body must be a JSON object.");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KNOWN_FIELDS.contains(name)) {
                throw SesError.badRequest("Unknown field " + name + ".");
            }
        }
        JsonNode content = body.path("Content");
        if (!content.isObject()) {
            throw SesError.badRequest("Content is required.");
        }
        if (content.has("Raw") || content.has("Template")) {
            throw SesError.badRequest("The local SES endpoint serves Simple content only (Raw and Template are not supported).");
        }
        JsonNode simple = content.path("Simple");
        if (!simple.isObject()) {
            throw SesError.badRequest("Content must contain one of Simple, Raw or Template.");
        }
        String fromText = text(body, "FromEmailAddress");
        if (fromText == null || fromText.isBlank()) {
            throw SesError.badRequest("FromEmailAddress is required when the content is Simple.");
        }
        InternetAddress from = address(fromText);
        JsonNode destination = body.path("Destination");
        List<InternetAddress> to = addresses(destination.path("ToAddresses"));
        List<InternetAddress> cc = addresses(destination.path("CcAddresses"));
        List<InternetAddress> bcc = addresses(destination.path("BccAddresses"));
        int count = to.size() + cc.size() + bcc.size();
        if (count == 0) {
            throw SesError.badRequest("Destination must contain at least one recipient.");
        }
        if (count > MAX_RECIPIENTS) {
            throw SesError.messageRejected("Recipient count exceeds " + MAX_RECIPIENTS + ".");
        }
        List<InternetAddress> replyTo = addresses(body.path("ReplyToAddresses"));
        JsonNode subjectNode = simple.path("Subject");
        String subject = text(subjectNode, "Data");
        if (subject == null) {
            throw SesError.badRequest("Simple.Subject.Data is required.");
        }
        if (subject.indexOf('\r') >= 0 || subject.indexOf('\n') >= 0) {
            throw SesError.badRequest("Subject must not contain line breaks.");
        }
        JsonNode bodyNode = simple.path("Body");
        String textPart = text(bodyNode.path("Text"), "Data");
        String htmlPart = text(bodyNode.path("Html"), "Data");
        if (textPart == null && htmlPart == null) {
            throw SesError.badRequest("Simple.Body must contain Text or Html.");
        }
        Charset subjectCharset = charset(text(subjectNode, "Charset"));
        Charset textCharset = charset(text(bodyNode.path("Text"), "Charset"));
        Charset htmlCharset = charset(text(bodyNode.path("Html"), "Charset"));
        long size = bytes(subject, subjectCharset) + bytes(textPart, textCharset) + bytes(htmlPart, htmlCharset);
        if (size > MAX_MESSAGE_BYTES) {
            throw SesError.messageRejected("Message length is more than 40 MB.");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        for (JsonNode tag : body.path("EmailTags")) {
            String name = text(tag, "Name");
            String value = text(tag, "Value");
            if (name == null || value == null || !TAG.matcher(name).matches() || !TAG.matcher(value).matches()) {
                throw SesError.badRequest("Invalid email tag: names and values are 1-256 characters of A-Z, a-z,"
                        + " 0-9, '_' and '-'.");
            }
            tags.put(name, value);
        }
        return new SendEmailRequest(from, to, cc, bcc, replyTo, subject, subjectCharset, textPart, textCharset,
                htmlPart, htmlCharset, text(body, "ConfigurationSetName"), tags);
    }

    private static long bytes(String s, Charset cs) {
        return s == null ? 0 : s.getBytes(cs).length;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** SES's default charset is 7-bit ASCII; UTF-8 must be named to send anything else. */
    private static Charset charset(String name) {
        if (name == null) {
            return StandardCharsets.US_ASCII;
        }
        try {
            return Charset.forName(name);
        } catch (RuntimeException e) {
            throw SesError.badRequest("Invalid charset " + name + ".");
        }
    }

    private static List<InternetAddress> addresses(JsonNode list) {
        List<InternetAddress> out = new ArrayList<>();
        for (JsonNode a : list) {
            out.add(address(a.asText()));
        }
        return out;
    }

    /** Strict RFC 822 parsing without SMTPUTF8: what SES accepts (it has no UTF-8 local parts). */
    static InternetAddress address(String text) {
        try {
            InternetAddress[] parsed = InternetAddress.parse(text, true);
            if (parsed.length != 1) {
                throw SesError.badRequest("Illegal address");
            }
            InternetAddress a = parsed[0];
            a.validate();
            String address = a.getAddress();
            if (address.indexOf('@') < 0) {
                throw SesError.badRequest("Missing final '@domain'");
            }
            for (int i = 0; i < address.length(); i++) {
                if (address.charAt(i) > 0x7e) {
                    throw SesError.badRequest("Local address contains control or whitespace");
                }
            }
            return a;
        } catch (AddressException e) {
            throw SesError.badRequest(e.getMessage() == null ? "Illegal address" : stripQuoted(e.getMessage()));
        }
    }

    /** Jakarta Mail appends the offending text in quotes; SES's message is the reason alone. */
    private static String stripQuoted(String message) {
        int in = message.indexOf(" in string ``");
        return in > 0 ? message.substring(0, in) : message;
    }
}
