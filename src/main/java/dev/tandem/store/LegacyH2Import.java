package dev.tandem.store;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.h2.mvstore.MVStore;

/**
 * Reads a Tandem 0.1 store file ({@code tandem.mv.db}, mongo-java-server's H2 backend) into the
 * journal's replay form, so upgrading keeps the data. The old file is renamed, not deleted.
 */
final class LegacyH2Import extends H2Backend {
  static final String FILE = "tandem.mv.db";

  private LegacyH2Import(MVStore store) {
    super(store);
  }

  /** Namespace "db\0collection" → (_id key → document) for every user collection in the file. */
  static Map<String, Map<Object, Document>> read(Path file) {
    MVStore store = new MVStore.Builder().fileName(file.toString()).readOnly().open();
    LegacyH2Import h2 = new LegacyH2Import(store);
    try {
      Map<String, Map<Object, Document>> state = new LinkedHashMap<>();
      for (String dbName : h2.listDatabaseNames()) {
        MongoDatabase db = h2.resolveDatabase(dbName);
        MongoCollection<?> namespaces = db.resolveCollection("system.namespaces", false);
        if (namespaces == null) {
          continue;
        }
        for (Document ns : namespaces.queryAll()) {
          String full = String.valueOf(ns.get("name"));
          String coll = full.substring(full.indexOf('.') + 1);
          if (coll.startsWith("system.")) {
            continue;
          }
          MongoCollection<?> c = db.resolveCollection(coll, false);
          if (c == null) {
            continue;
          }
          Map<Object, Document> docs = new LinkedHashMap<>();
          for (Document d : c.queryAll()) {
            docs.put(Journal.idKey(d), d);
          }
          state.put(dbName + '\0' + coll, docs);
        }
      }
      return state;
    } finally {
      h2.close();
    }
  }

  /** Moves the imported file aside once its data is safely in the journal. */
  static void retire(Path file) throws IOException {
    Files.move(file, file.resolveSibling(FILE + ".imported"), StandardCopyOption.REPLACE_EXISTING);
  }
}
