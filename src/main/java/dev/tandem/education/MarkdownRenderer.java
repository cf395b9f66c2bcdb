package dev.tandem.education;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;
import org.owasp.html.HtmlPolicyBuilder;
import org.owasp.html.PolicyFactory;

/**
 * Module Markdown to safe HTML. CommonMark (org.commonmark, the reference-spec Java parser)
 * renders; the OWASP Java HTML Sanitizer then keeps only an allow-list, so whatever a content
 * file contains (raw HTML, scripts, event handlers, javascript: or data: URLs, remote images)
 * cannot reach a patient's browser. Two maintained libraries instead of a home-made escaper:
 * HTML sanitizing is a solved problem that is easy to get subtly wrong.
 *
 * <p>Allowed: headings, paragraphs, lists, emphasis, block quotes, code, rules; links to
 * http(s) and mailto only, with rel="noopener noreferrer"; images whose src is the bare name of
 * a file in the module's own folder, rewritten to the URL Tandem serves it from.
 */
public final class MarkdownRenderer {
  static final Pattern ASSET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,80}\\.(png|jpg|jpeg|gif|webp|svg)");
  private static final Parser PARSER = Parser.builder().build();
  private static final HtmlRenderer HTML = HtmlRenderer.builder().sanitizeUrls(true).build();

  private MarkdownRenderer() {
  }

  /** The asset URL for a file of a module. */
  public static String assetUrl(String moduleId, String file) {
    return "/api/v1/education/modules/" + moduleId + "/assets/" + file;
  }

  /**
   * Renders {@code markdown} for module {@code moduleId}, whose folder holds {@code assets}
   * (file names). Never fails on hostile input: what is not allowed is dropped.
   */
  public static String render(String moduleId, String markdown, Set<String> assets) {
    return policy(moduleId, assets).sanitize(HTML.render(PARSER.parse(markdown)));
  }

  private static PolicyFactory policy(String moduleId, Set<String> assets) {
    return new HtmlPolicyBuilder()
        .allowElements("p", "h1", "h2", "h3", "h4", "ul", "ol", "li", "em", "strong", "blockquote", "br", "hr", "code", "pre")
        .allowElements("a")
        .allowUrlProtocols("http", "https", "mailto")
        .allowAttributes("href").matching((el, attr, value) -> safeHref(value)).onElements("a")
        .requireRelsOnLinks("noopener", "noreferrer")
        // An image survives only with a src that named one of the module's own files.
        .allowElements((name, attrs) -> attrs.contains("src") ? name : null, "img")
        .allowAttributes("alt", "title").onElements("img")
        .allowAttributes("src").matching((el, attr, value) -> {
          String file = value.trim();
          if (file.startsWith("./")) {
            file = file.substring(2);
          }
          return ASSET_NAME.matcher(file).matches() && assets.contains(file) ? assetUrl(moduleId, file) : null;
        }).onElements("img")
        .toFactory();
  }

  private static String safeHref(String value) {
    String v = value.trim();
    String lower = v.toLowerCase(Locale.ROOT);
    return lower.startsWith("https://") || lower.startsWith("http://") || lower.startsWith("mailto:") ? v : null;
  }
}
