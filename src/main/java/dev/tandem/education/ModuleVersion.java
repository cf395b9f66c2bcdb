package dev.tandem.education;

import java.util.List;

/**
 * One language version of a module, rendered and sanitized once at start-up. {@code html} is
 * safe to insert into a page: it passed the allow-list in {@link MarkdownRenderer}.
 */
public record ModuleVersion(String language, String title, String summary, int minutes, List<String> tags, int version,
    String html, int words, List<CheckQuestion> check) {
}
