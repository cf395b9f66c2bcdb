package dev.tandem.checkins;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import dev.tandem.identity.Auth;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;

/** Wiring for instruments, uploads, schedules, trends, medication events, alerts, the panel and FHIR export. */
public final class CheckinRoutes {
  private final Checkins f;
  private final Auth auth;

  public CheckinRoutes(Checkins checkins, Auth auth) {
    this.f = checkins;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/api/v1/checkins/instruments").handler(auth.required()).handler(this::instruments);
    r.post("/api/v1/patients/:patientId/checkins").handler(auth.required()).handler(this::upload);
    r.get("/api/v1/patients/:patientId/checkins").handler(auth.required()).handler(this::month);
    r.get("/api/v1/patients/:patientId/checkins/due").handler(auth.required()).handler(this::due);
    r.get("/api/v1/patients/:patientId/checkins/trend").handler(auth.required()).handler(this::trend);
    r.get("/api/v1/patients/:patientId/checkins/fhir").handler(auth.required()).handler(this::fhir);
    r.put("/api/v1/patients/:patientId/checkins/schedules/:instrument").handler(auth.required()).handler(auth.clinician())
        .handler(this::assign);
    r.delete("/api/v1/patients/:patientId/checkins/schedules/:instrument").handler(auth.required()).handler(auth.clinician())
        .handler(this::unassign);
    r.post("/api/v1/patients/:patientId/medications").handler(auth.required()).handler(this::medication);
    r.get("/api/v1/monitoring").handler(auth.required()).handler(auth.clinician()).handler(this::panel);
    r.get("/api/v1/safety-alerts").handler(auth.required()).handler(auth.clinician()).handler(this::alerts);
    r.post("/api/v1/safety-alerts/:alertId/acknowledge").handler(auth.required()).handler(auth.clinician()).handler(this::acknowledge);
  }

  private void instruments(RoutingContext ctx) {
    JsonArray a = new JsonArray();
    f.checkins.instruments().all().forEach(i -> a.add(i.toJson()));
    Responses.json(ctx, 200, new JsonObject().put("instruments", a));
  }

  /**
   * One response (an object with clientId, instrument, answeredAt, answers) or a batch
   * ({"responses": [...]}). A single response answers 201 (stored), 200 (duplicate) or 400 (the
   * reason); a batch answers 200 with a result per item.
   */
  private void upload(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    JsonObject body = body(ctx);
    boolean batch = body.containsKey("responses");
    JsonArray items;
    if (batch) {
      if (body.size() != 1) {
        throw ApiException.badRequest("invalid_json", "A batch is {\"responses\": [...]} and nothing else.");
      }
      if (!(body.getValue("responses") instanceof JsonArray arr)) {
        throw ApiException.invalid("responses", "must be a list");
      }
      items = arr;
    } else {
      items = new JsonArray().add(body);
    }
    f.checkins.upload(Auth.caller(ctx), patientId, items).onSuccess(u -> {
      if (batch) {
        Responses.json(ctx, 200, u.toJson());
        return;
      }
      CheckinService.ItemResult one = u.items().get(0);
      if ("rejected".equals(one.status())) {
        ctx.fail(ApiException.badRequest("invalid_response", one.reason()));
        return;
      }
      JsonObject out = new JsonObject().put("status", one.status()).put("response", one.response());
      if (u.crisis() != null) {
        out.put("crisis", u.crisis());
      } else if ("duplicate".equals(one.status()) && one.response() != null && one.response().getBoolean("alerted", false)) {
        out.put("crisis", f.checkins.crisisNotice());
      }
      Responses.json(ctx, "accepted".equals(one.status()) ? 201 : 200, out);
    }).onFailure(ctx::fail);
  }

  private static JsonObject body(RoutingContext ctx) {
    String text = ctx.body() == null ? null : ctx.body().asString();
    if (text == null || text.isBlank()) {
      throw ApiException.badRequest("invalid_json", "Request body must be a JSON object.");
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(text);
      if (parsed instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      throw ApiException.badRequest("invalid_json", "Request body is not valid JSON.");
    }
    throw ApiException.badRequest("invalid_json", "Request body must be a JSON object.");
  }

  private void month(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    String m = ctx.queryParams().get("month");
    YearMonth month;
    try {
      month = m == null ? YearMonth.now(f.clock.withZone(java.time.ZoneOffset.UTC)) : YearMonth.parse(m);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid("month", "must be a month like 2026-11");
    }
    f.timeline.month(Auth.caller(ctx), patientId, month).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void due(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    f.checkins.due(Auth.caller(ctx), patientId).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void trend(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    String m = ctx.queryParams().get("months");
    int months = 12;
    if (m != null) {
      try {
        months = Integer.parseInt(m);
      } catch (NumberFormatException e) {
        months = -1;
      }
      if (months < 1 || months > 36) {
        throw ApiException.invalid("months", "must be a whole number from 1 to 36");
      }
    }
    f.timeline.trend(Auth.caller(ctx), patientId, months).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void fhir(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    f.fhir.export(Auth.caller(ctx), patientId).onSuccess(o -> ctx.response().setStatusCode(200)
        .putHeader("Content-Type", "application/fhir+json; charset=utf-8").putHeader("Cache-Control", "no-store").end(o.encode()))
        .onFailure(ctx::fail);
  }

  private void assign(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    String instrument = Ids.pathId(ctx, "instrument", "instrument");
    JsonInput in = JsonInput.of(ctx, "cadenceDays");
    Integer days = null;
    if (in.has("cadenceDays")) {
      long d = in.positiveLong("cadenceDays");
      if (d > 365) {
        throw ApiException.invalid("cadenceDays", "must be from 1 to 365");
      }
      days = (int) d;
    }
    f.checkins.assign(Auth.caller(ctx), patientId, instrument, days).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void unassign(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    String instrument = Ids.pathId(ctx, "instrument", "instrument");
    f.checkins.unassign(Auth.caller(ctx), patientId, instrument).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private void medication(RoutingContext ctx) {
    String patientId = Ids.pathId(ctx, "patientId", "patient");
    JsonInput in = JsonInput.of(ctx, "kind", "drug", "dose", "reason", "at");
    String kind = in.string("kind", 20);
    if (!Timeline.MEDICATION_KINDS.contains(kind)) {
      throw ApiException.invalid("kind", "must be one of " + Timeline.MEDICATION_KINDS);
    }
    String drug = in.string("drug", 100).strip();
    String dose = in.optionalString("dose", 60);
    if (!"stop".equals(kind) && (dose == null || dose.isBlank())) {
      throw ApiException.invalid("dose", "is required for " + kind);
    }
    String reason = in.optionalString("reason", 1000);
    String at = in.optionalString("at", 40);
    Instant when;
    try {
      when = at == null ? null : OffsetDateTime.parse(at).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiException.invalid("at", "must be an ISO-8601 time with a zone");
    }
    Timeline.MedicationEvent e = new Timeline.MedicationEvent(kind, drug, dose == null || dose.isBlank() ? null : dose.strip(),
        reason == null || reason.isBlank() ? null : reason.strip(), when);
    f.timeline.addMedication(Auth.caller(ctx), patientId, e).onSuccess(o -> Responses.json(ctx, 201, o)).onFailure(ctx::fail);
  }

  private void panel(RoutingContext ctx) {
    f.panel.panel(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void alerts(RoutingContext ctx) {
    f.alerts.open(Auth.caller(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void acknowledge(RoutingContext ctx) {
    String alertId = Ids.pathId(ctx, "alertId", "alert");
    String note = JsonInput.of(ctx, "note").string("note", 2000).strip();
    f.alerts.acknowledge(Auth.caller(ctx), alertId, note).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }
}
