package dev.tandem.app;

import dev.tandem.audit.AuditLog;
import dev.tandem.checkins.CheckinRoutes;
import dev.tandem.checkins.Checkins;
import dev.tandem.config.ConfigException;
import dev.tandem.config.Profile;
import dev.tandem.config.TandemConfig;
import dev.tandem.crypto.KeyRing;
import dev.tandem.education.ContentLoader;
import dev.tandem.education.Education;
import dev.tandem.education.EducationRoutes;
import dev.tandem.education.Library;
import dev.tandem.http.HttpRoutes;
import dev.tandem.identity.AdminRoutes;
import dev.tandem.identity.Auth;
import dev.tandem.identity.Identity;
import dev.tandem.identity.IdentityRoutes;
import dev.tandem.identity.PatientRoutes;
import dev.tandem.crypto.KeyManager;
import dev.tandem.live.LiveGateway;
import dev.tandem.messaging.LiveActions;
import dev.tandem.messaging.Messaging;
import dev.tandem.messaging.MessagingRoutes;
import dev.tandem.store.Store;
import dev.tandem.visits.Visits;
import dev.tandem.visits.VisitsRoutes;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires Tandem with plain constructors: keys, store and indexes, audit, features, HTTP. Stops in
 * reverse order.
 */
public final class MainVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  private static final long PURGE_EVERY_MS = 10 * 60 * 1000;

  private final TandemConfig cfg;
  private final Clock clock;
  private final PrometheusMeterRegistry metrics;
  private Store store;
  private Identity identity;
  private KeyRing keys;
  private KeyManager keyManager;
  private Messaging messaging;
  private Library library;
  private Education education;
  private Visits visits;
  private Checkins checkins;
  private HttpServer server;
  private Router router;
  private long purgeTimer = -1;
  private JvmGcMetrics gcMetrics;
  private DemoClinic.Summary demo;

  public MainVerticle(TandemConfig cfg, Clock clock, PrometheusMeterRegistry metrics) {
    this.cfg = cfg;
    this.clock = clock;
    this.metrics = metrics != null ? metrics : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  }

  @Override
  public Future<?> start() {
    bindJvmMetrics();
    return vertx.executeBlocking(this::loadKeys)
        .compose(k -> {
          keys = k;
          keyManager = new KeyManager(k, cfg.crypto().masterKey().isSet() ? null : cfg.crypto().masterKeyFile());
          // Education modules are rendered and validated (a broken module stops start-up) while the store opens.
          Future<Library> lib = vertx.executeBlocking(() -> new Library(ContentLoader.load(cfg.education().contentDir())));
          Future<Store> opened = Store.open(vertx, cfg.store());
          return Future.join(lib, opened).transform(done -> {
            if (done.succeeded()) {
              library = lib.result();
              return opened;
            }
            Throwable cause = lib.failed() ? lib.cause() : opened.cause();
            return opened.succeeded() ? opened.result().close().transform(x -> Future.<Store>failedFuture(cause))
                : Future.<Store>failedFuture(cause);
          });
        })
        .compose(s -> {
          store = s;
          List<Store.Index> indexes = new ArrayList<>(Identity.indexes());
          indexes.addAll(Messaging.indexes(cfg.store().mode() == dev.tandem.config.StoreConfig.Mode.EMBEDDED));
          indexes.addAll(AuditLog.indexes());
          indexes.addAll(Education.indexes());
          indexes.addAll(Visits.indexes());
          indexes.addAll(Checkins.indexes());
          return store.ensureIndexes(indexes);
        })
        .compose(v -> {
          AuditLog audit = new AuditLog(store.mongo(), clock);
          return audit.start().map(x -> audit);
        })
        .compose(audit -> {
          identity = new Identity(vertx, store.mongo(), cfg.identity(), audit, clock);
          messaging = new Messaging(vertx, store.mongo(), identity, keyManager, audit, cfg.messaging(), clock);
          education = new Education(vertx, store.mongo(), library, identity, keyManager, audit, cfg.education(), clock);
          visits = new Visits(vertx, store.mongo(), identity, audit, cfg.visits(), clock, this::publicUrl);
          checkins = new Checkins(vertx, store.mongo(), identity, messaging, keyManager, audit, cfg.checkins(), cfg.messaging().crisisResources(), clock);
          messaging.admin.alsoRewrap(Education.wrappedKeys(store.mongo(), keyManager)::rewrapStale);
          messaging.admin.alsoRewrap(Checkins.wrappedKeys(store.mongo(), keyManager)::rewrapStale);
          DemoClinic clinic = new DemoClinic(identity, audit, clock);
          Future<DemoClinic.Summary> seeded = cfg.demo().enabled()
              ? clinic.seed(cfg.demo().password().value())
              : Future.succeededFuture(null);
          return seeded.compose(d -> {
            demo = d;
            if (d == null) {
              return Future.succeededFuture();
            }
            if (!d.createdNow()) {
              if (cfg.demo().checkinHistory()) {
                // Off the way to "ready" (as on the first start): checked and, if missing, loaded after 3 s.
                vertx.setTimer(3000, id -> clinic.resumeCheckins(checkins)
                    .onFailure(t -> LOG.warn("demo check-in history not checked: {}", t.toString())));
              }
              return Future.succeededFuture();
            }
            // The features' demo data is independent: seed it side by side (first start time).
            return Future.all(clinic.seedConversations(messaging.messages), clinic.seedEducation(education.service),
                clinic.seedCheckins(checkins, cfg.demo().checkinHistory()), visits.seedDemo()).mapEmpty();
          })
              .compose(v -> visits.start()).compose(v -> listen(audit)).onSuccess(v -> checkins.start());
        })
        .onSuccess(v -> purgeTimer = vertx.setPeriodic(PURGE_EVERY_MS, id -> identity.identity.purgeSessions()
            .onFailure(t -> LOG.warn("session purge failed: {}", t.toString()))));
  }

  private KeyRing loadKeys() throws Exception {
    var c = cfg.crypto();
    if (c.masterKey().isSet()) {
      return KeyRing.fromValue(c.masterKey().value(), "crypto.master-key");
    }
    if (cfg.profile() == Profile.PRODUCTION) {
      if (!java.nio.file.Files.exists(c.masterKeyFile())) {
        throw new ConfigException("crypto.master-key", "the production profile needs a master key "
            + "(TANDEM_CRYPTO_MASTER_KEY or crypto.master-key-file); it will not generate one");
      }
      KeyRing ring = KeyRing.fromFile(c.masterKeyFile(), false);
      if (ring.isDevelopment()) {
        throw new ConfigException("crypto.master-key-file", "is a generated development key; the production profile refuses it");
      }
      return ring;
    }
    return KeyRing.fromFile(c.masterKeyFile(), true);
  }

  private Future<Void> listen(AuditLog audit) {
    String publicUrl = cfg.http().publicUrl();
    Auth auth = new Auth(identity.identity, cfg.identity().cookieName(), cfg.http().tls());
    IdentityRoutes idRoutes = new IdentityRoutes(identity.identity, auth, publicUrl);
    router = HttpRoutes.build(vertx, cfg.http().bodyLimitBytes(), cfg.http().tls(), cfg.http().webRoot(), store, metrics, r -> {
      idRoutes.mount(r);
      new PatientRoutes(identity.careTeams, identity.identity, idRoutes, auth).mount(r);
      new AdminRoutes(identity.identity, identity.careTeams, idRoutes, audit, auth).mount(r);
      new MessagingRoutes(messaging, auth).mount(r);
      new VisitsRoutes(visits, auth).mount(r);
      new CheckinRoutes(checkins, auth).mount(r);
      new LiveGateway(vertx, identity.identity, new LiveActions(messaging), auth).mount(r);
      new EducationRoutes(education, auth, clock).mount(r);
    });
    HttpServerOptions opts = new HttpServerOptions().setHost(cfg.http().host()).setPort(cfg.http().port())
        .setCompressionSupported(true).setMaxFormAttributeSize(8192)
        // No browser speaks cleartext HTTP/2, and behind a proxy h2c upgrades can smuggle requests.
        .setHttp2ClearTextEnabled(false);
    if (cfg.http().tls()) {
      opts.setSsl(true).setKeyCertOptions(new PemKeyCertOptions().setCertPath(cfg.http().tlsCertFile())
          .setKeyPath(cfg.http().tlsKeyFile()));
    }
    return vertx.createHttpServer(opts).requestHandler(router).listen().map(s -> {
      server = s;
      if (publicUrl.isEmpty()) {
        idRoutes.setPublicUrl(baseUrl());
      }
      return null;
    });
  }

  private void bindJvmMetrics() {
    new JvmMemoryMetrics().bindTo(metrics);
    // jvm_gc_live_data_size_bytes against jvm_gc_max_data_size_bytes: how full the embedded store's heap is.
    gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    new UptimeMetrics().bindTo(metrics);
  }

  @Override
  public Future<?> stop() {
    if (gcMetrics != null) {
      gcMetrics.close();
    }
    if (purgeTimer >= 0) {
      vertx.cancelTimer(purgeTimer);
    }
    if (checkins != null) {
      checkins.stop();
    }
    Future<Void> http = server == null ? Future.succeededFuture() : server.close();
    return http.eventually(() -> visits == null ? Future.succeededFuture() : visits.stop()).eventually(() -> identity == null ? Future.succeededFuture() : identity.passwords.close())
        .eventually(() -> store == null ? Future.succeededFuture() : store.close());
  }

  public int port() {
    return server.actualPort();
  }

  public String baseUrl() {
    String host = cfg.http().host().equals("0.0.0.0") ? "127.0.0.1" : cfg.http().host();
    return (cfg.http().tls() ? "https://" : "http://") + host + ":" + port();
  }

  public Store store() {
    return store;
  }

  public Router router() {
    return router;
  }

  public KeyRing keys() {
    return keys;
  }

  public Messaging messaging() {
    return messaging;
  }

  public Education education() {
    return education;
  }

  public Visits visits() {
    return visits;
  }

  public Checkins checkins() {
    return checkins;
  }

  private String publicUrl() {
    return cfg.http().publicUrl().isEmpty() ? baseUrl() : cfg.http().publicUrl();
  }

  public KeyManager keyManager() {
    return keyManager;
  }

  public Identity identity() {
    return identity;
  }

  /** The demo clinic seeded at this start, or null when demo data is off or already there. */
  public DemoClinic.Summary demo() {
    return demo;
  }
}
