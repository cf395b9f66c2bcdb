package dev.tandem.app;

import dev.tandem.audit.AuditLog;
import dev.tandem.audit.AuditVerifier;
import dev.tandem.config.StoreConfig;
import dev.tandem.config.TandemConfig;
import dev.tandem.crypto.KeyManager;
import dev.tandem.crypto.KeyRing;
import dev.tandem.identity.Identity;
import dev.tandem.messaging.Messaging;
import dev.tandem.identity.IdentityRoutes;
import dev.tandem.identity.Role;
import dev.tandem.store.EmbeddedMongo;
import dev.tandem.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Operator commands that run next to (or instead of) the server. */
final class Cli {
  private Cli() {
  }

  /** Verifies the audit chain; prints the first broken entry. Exit 0 intact, 1 broken or error. */
  static int auditVerify(TandemConfig cfg) {
    return withStore(cfg, (vertx, store) -> new AuditVerifier(store.mongo()).verify().map(r -> {
      if (r.ok()) {
        System.out.println("audit chain intact: " + r.checked() + " entries checked");
        return 0;
      }
      System.out.println("audit chain BROKEN at entry " + r.firstBrokenSeq() + ": " + r.reason()
          + " (" + r.checked() + " entries before it are intact)");
      return 1;
    }));
  }

  /** Creates an invited admin and prints the one-time link on which they set a password. */
  static int createAdmin(TandemConfig cfg, String email, String name) {
    return withStore(cfg, (vertx, store) -> {
      AuditLog audit = new AuditLog(store.mongo(), Clock.systemUTC());
      return audit.start().compose(v -> {
        Identity id = new Identity(vertx, store.mongo(), cfg.identity(), audit, Clock.systemUTC());
        IdentityRoutes links = new IdentityRoutes(id.identity, null, cfg.http().publicUrl().isEmpty()
            ? "http://" + cfg.http().host() + ":" + cfg.http().port() : cfg.http().publicUrl());
        return id.identity.invite(DemoClinic.SYSTEM, email, name, Role.ADMIN, "en").map(inv -> {
          System.out.println("admin " + email + " created; set the password within "
              + cfg.identity().invitationTtl().toHours() + " h at:\n  " + links.invitationLink(inv.token()));
          return 0;
        });
      });
    });
  }

  /**
   * Adds a master key version to the key file and re-wraps every data key under it. A running
   * server picks the new version up from the file the first time it meets a key wrapped with it.
   */
  static int rotateKeys(TandemConfig cfg) {
    if (cfg.crypto().masterKey().isSet()) {
      System.err.println("tandem: master keys come from TANDEM_CRYPTO_MASTER_KEY; restart with \"v<N+1>:<new>,v<N>:<old>\" "
          + "and call POST /api/v1/admin/keys/rotate or run rotate-keys with a key file");
      return 2;
    }
    return withStore(cfg, (vertx, store) -> {
      try {
        KeyManager keys = new KeyManager(KeyRing.fromFile(cfg.crypto().masterKeyFile(), false), cfg.crypto().masterKeyFile());
        int version = keys.addVersion();
        AuditLog audit = new AuditLog(store.mongo(), Clock.systemUTC());
        return audit.start().compose(v -> {
          Identity id = new Identity(vertx, store.mongo(), cfg.identity(), audit, Clock.systemUTC());
          Messaging messaging = new Messaging(vertx, store.mongo(), id, keys, audit, cfg.messaging(), Clock.systemUTC());
          messaging.admin.alsoRewrap(dev.tandem.education.Education.wrappedKeys(store.mongo(), keys)::rewrapStale);
          messaging.admin.alsoRewrap(dev.tandem.checkins.Checkins.wrappedKeys(store.mongo(), keys)::rewrapStale);
          return messaging.admin.rewrapAll();
        }).map(n -> {
          System.out.println("master key version " + version + " added to " + cfg.crypto().masterKeyFile() + "; " + n
              + " data keys re-wrapped");
          return 0;
        });
      } catch (java.io.IOException e) {
        return Future.failedFuture(e);
      }
    });
  }

  private interface StoreTask {
    Future<Integer> run(Vertx vertx, Store store);
  }

  /**
   * Opens the configured store. In embedded mode a running server holds the data file, so the
   * command connects to it over its port; otherwise it opens the file itself.
   */
  private static int withStore(TandemConfig cfg, StoreTask task) {
    Vertx vertx = Vertx.vertx();
    EmbeddedMongo own = null;
    try {
      Store store;
      StoreConfig sc = cfg.store();
      if (sc.mode() == StoreConfig.Mode.EMBEDDED && !listening(sc.embeddedHost(), sc.embeddedPort())) {
        own = EmbeddedMongo.startFile(sc.dataDir().resolve("store"), "127.0.0.1", 0, sc.syncOnCommit());
        store = Store.over(vertx, own, sc.database());
      } else if (sc.mode() == StoreConfig.Mode.EMBEDDED) {
        store = Store.over(vertx, "mongodb://" + sc.embeddedHost() + ":" + sc.embeddedPort(), sc.database());
      } else {
        store = Store.over(vertx, sc.connectionString().value(), sc.database());
      }
      List<Store.Index> indexes = new ArrayList<>(Identity.indexes());
      indexes.addAll(AuditLog.indexes());
      indexes.addAll(Messaging.indexes(cfg.store().mode() == StoreConfig.Mode.EMBEDDED));
      Integer code = store.ensureIndexes(indexes).compose(v -> task.run(vertx, store)).eventually(store::close).toCompletionStage().toCompletableFuture()
          .get(120, TimeUnit.SECONDS);
      return code;
    } catch (Exception e) {
      Throwable c = e.getCause() != null ? e.getCause() : e;
      System.err.println("tandem: " + c.getMessage());
      return 1;
    } finally {
      if (own != null) {
        own.close();
      }
      vertx.close();
    }
  }

  private static boolean listening(String host, int port) {
    if (port == 0) {
      return false;
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 300);
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
