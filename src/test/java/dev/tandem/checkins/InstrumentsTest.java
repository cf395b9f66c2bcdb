package dev.tandem.checkins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Instruments are data: shipped definitions load with their codes; bad ones stop start-up naming the file. */
class InstrumentsTest {
  static final String SMALL = """
      id: mood-3
      title: {en: "Three questions", es: "Tres preguntas"}
      defaultCadenceDays: 7
      items:
        - {id: q1, type: choice, en: "One", es: "Uno", options: [{value: 0, en: "No", es: "No"}, {value: 2, en: "Yes", es: "Sí"}]}
        - {id: q2, type: choice, en: "Two", es: "Dos", options: [{value: 0, en: "No", es: "No"}, {value: 2, en: "Yes", es: "Sí"}]}
      scoring:
        kind: sum
        bands:
          - {min: 0, max: 1, code: low, en: Low, es: Bajo}
          - {min: 2, max: 4, code: high, en: High, es: Alto}
      alerts:
        - {item: q2, above: 0, severity: urgent}
      """;

  @Test
  void theShippedInstrumentsCarryTheirLoincCodes() {
    Instruments all = Instruments.load(null);
    assertEquals(List.of("phq-9", "gad-7", "daily"), all.all().stream().map(Instrument::id).toList());
    Instrument phq = all.get("phq-9");
    assertEquals("44249-1", phq.panelLoinc());
    assertEquals("44261-6", phq.totalLoinc());
    assertEquals("44250-9", phq.item("phq9-1").loinc());
    assertEquals("44260-8", phq.item("phq9-9").loinc());
    assertEquals("69737-5", all.get("gad-7").panelLoinc());
    assertEquals("70274-6", all.get("gad-7").totalLoinc());
    assertEquals("Thoughts that you would be better off dead or of hurting yourself in some way", phq.item("phq9-9").text().get("en"));
    assertTrue(phq.item("phq9-9").text().get("es").startsWith("Pensamientos de que estaría mejor muerto/a"));
  }

  @Test
  void anInstrumentAddedAsAFileIsLoadedWithoutCode(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("mood-3.yaml"), SMALL);
    Instruments all = Instruments.load(dir.toString());
    Instrument m = all.get("mood-3");
    assertEquals("high", Scoring.score(m, new io.vertx.core.json.JsonObject().put("q1", 2).put("q2", 0)).band());
    assertEquals(1, Scoring.triggered(m, new io.vertx.core.json.JsonObject().put("q1", 0).put("q2", 2), 2, null).size());
  }

  @Test
  void aBadDefinitionInTheInstrumentsDirectoryStopsTheServerNamingTheFile(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("oops.yaml"), SMALL.replace(", es: \"Dos\"", ""));
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> dev.tandem.testing.TestTandem.start(vertx, java.util.Map.of("checkins.instruments-dir", dir.toString())));
      assertTrue(e.getMessage().contains("oops.yaml") && e.getMessage().contains("needs wording in 'es'"), e.getMessage());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  @Test
  void badDefinitionsStopStartUpNamingTheFileAndTheProblem() {
    record Bad(String yaml, String problem) {
    }
    List<Bad> bad = List.of(
        new Bad(SMALL.replace("{min: 2, max: 4", "{min: 3, max: 4"), "without gaps"),
        new Bad(SMALL.replace("{min: 2, max: 4", "{min: 2, max: 3"), "highest possible total, 4"),
        new Bad(SMALL.replace(", es: \"Dos\"", ""), "needs wording in 'es'"),
        new Bad(SMALL.replace("{item: q2, above: 0", "{item: q9, above: 0"), "alert rule names item 'q9'"),
        new Bad(SMALL.replace("type: choice, en: \"Two\"", "type: slider, en: \"Two\""), "type must be"),
        new Bad(SMALL.replace("id: q2", "id: q1"), "used twice"),
        new Bad(SMALL.replace("kind: sum", "kind: average"), "scoring.kind"),
        new Bad("just text", "YAML mapping"));
    for (Bad b : bad) {
      ConfigException e = assertThrows(ConfigException.class, () -> Instruments.parse("broken.yaml", b.yaml()), b.problem());
      assertTrue(e.getMessage().contains("broken.yaml"), e.getMessage());
      assertTrue(e.getMessage().contains(b.problem()), e.getMessage());
    }
  }
}
