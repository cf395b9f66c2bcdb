package dev.tandem.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import de.bwaldvogel.mongo.bson.Document;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The journal file itself: what a failed append leaves behind. */
class JournalTest {
  @Test
  void aDocumentThatCannotBeEncodedLeavesNothingBehindAndLaterRecordsSurviveARestart() throws Exception {
    Path dir = Files.createTempDirectory("journal-test");
    Journal.Opened first = Journal.open(dir, false, new Compactor());
    Journal j = first.journal();
    j.append(Journal.PUT, "tandem", "c", new Document("_id", "before").append("n", 1));
    // A value of no BSON type, deep inside: the encoder fails after writing part of the record.
    Document bad = new Document("_id", "bad").append("ok", "x").append("nested", new Document("a", 1).append("b", new Object()));
    assertThrows(IllegalArgumentException.class, () -> j.append(Journal.PUT, "tandem", "c", bad));
    j.append(Journal.PUT, "tandem", "c", new Document("_id", "after").append("n", 2));
    j.flush();
    j.close();

    Journal.Opened again = Journal.open(dir, false, new Compactor());
    try {
      Map<Object, Document> docs = again.state().get("tandem\0c");
      assertEquals(2, docs.size(), docs::toString);
      assertEquals(1, docs.get("before").get("n"));
      assertEquals(2, docs.get("after").get("n"));
      assertEquals(2, again.records());
    } finally {
      again.journal().close();
    }
  }
}
