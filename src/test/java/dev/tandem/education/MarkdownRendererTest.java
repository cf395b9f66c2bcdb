package dev.tandem.education;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Hostile Markdown in a content file never reaches a reader as anything that can run or load from elsewhere. */
class MarkdownRendererTest {
  private static String render(String md) {
    return MarkdownRenderer.render("calming-anxiety", md, Set.of("breathing.svg"));
  }

  private static void assertNoActiveContent(String html) {
    String lower = html.toLowerCase(Locale.ROOT);
    for (String bad : new String[] {"<script", "javascript:", "onerror", "onclick", "onload", "data:", "<iframe", "<style",
        "<object", "<embed", "<form", "<svg", "vbscript:"}) {
      assertFalse(lower.contains(bad), () -> "'" + bad + "' survived in: " + html);
    }
  }

  @Test
  void scriptTagsAreRemovedWithTheirContent() {
    String html = render("Hello\n\n<script>alert('x')</script>\n\nafter <script src=\"https://evil.example/x.js\"></script>");
    assertNoActiveContent(html);
    assertFalse(html.contains("alert"), html);
    assertTrue(html.contains("Hello") && html.contains("after"), html);
  }

  @Test
  void eventHandlersAreStrippedFromRawHtml() {
    String html = render("<p onclick=\"steal()\">Tap</p>\n\n<img src=\"breathing.svg\" onerror=\"steal()\" alt=\"x\">\n\n"
        + "<a href=\"https://example.org\" onmouseover=\"steal()\">link</a>");
    assertNoActiveContent(html);
    assertFalse(html.contains("steal"), html);
    assertTrue(html.contains("Tap"), html);
  }

  @Test
  void javascriptAndDataLinksLoseTheirTarget() {
    String html = render("[one](javascript:alert(1)) [two](JaVaScRiPt:alert(2)) [three](data:text/html;base64,PHNjcmlwdD4=) "
        + "[four](vbscript:msgbox) <a href=\"java&#x73;cript:alert(3)\">five</a> [six](/relative/page)");
    assertNoActiveContent(html);
    assertFalse(html.contains("href"), "no unsafe or relative link keeps an href: " + html);
    assertTrue(html.contains("one") && html.contains("five") && html.contains("six"), "the link text stays: " + html);
  }

  @Test
  void safeLinksAreKeptWithNoopener() {
    String html = render("[988 Lifeline](https://988lifeline.org) and [mail](mailto:clinic@example.org)");
    assertTrue(html.contains("href=\"https://988lifeline.org\""), html);
    assertTrue(html.contains("href=\"mailto:clinic&#64;example.org\"") || html.contains("href=\"mailto:clinic@example.org\""), html);
    assertTrue(html.contains("rel=\"noreferrer noopener\"") || html.contains("rel=\"noopener noreferrer\""), html);
    assertEquals(2, html.split("rel=", -1).length - 1, "every link gets rel: " + html);
  }

  @Test
  void onlyImagesFromTheModuleFolderSurviveRewrittenToTheAssetUrl() {
    String html = render("![ok](breathing.svg)\n\n![remote](https://evil.example/track.png)\n\n![data](data:image/png;base64,AAAA)\n\n"
        + "![up](../safety-plan/secret.png)\n\n![missing](nothere.png)\n\n<img src=\"//evil.example/x.gif\">");
    assertNoActiveContent(html);
    assertFalse(html.contains("evil.example"), html);
    assertFalse(html.contains(".."), html);
    assertEquals(1, html.split("<img", -1).length - 1, "exactly one image: " + html);
    assertTrue(html.contains("src=\"/api/v1/education/modules/calming-anxiety/assets/breathing.svg\""), html);
  }

  @Test
  void rawHtmlStructureOutsideTheAllowListIsDropped() {
    String html = render("<iframe src=\"https://evil.example\"></iframe><style>body{display:none}</style>"
        + "<form action=\"https://evil.example\"><input name=\"p\"></form><div style=\"position:fixed\">kept text</div>"
        + "<svg><script>x()</script></svg><object data=\"x\"></object>");
    assertNoActiveContent(html);
    assertFalse(html.contains("style="), html);
    assertFalse(html.contains("display:none"), html);
    assertTrue(html.contains("kept text"), html);
  }

  @Test
  void ordinaryMarkdownRendersToTheExpectedElements() {
    String html = render("## Heading\n\nSome *soft* and **strong** text.\n\n- one\n- two\n\n1. first\n\n> quoted");
    assertTrue(html.contains("<h2>Heading</h2>"), html);
    assertTrue(html.contains("<em>soft</em>") && html.contains("<strong>strong</strong>"), html);
    assertTrue(html.contains("<ul>") && html.contains("<ol>") && html.contains("<blockquote>"), html);
  }
}
