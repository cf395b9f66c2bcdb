package dev.tandem.education;

import dev.tandem.http.ApiException;
import dev.tandem.http.Ids;
import dev.tandem.http.JsonInput;
import dev.tandem.http.Responses;
import dev.tandem.identity.Auth;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Wiring for the module library, assignments, reading progress and suggestions. */
public final class EducationRoutes {
  private static final Pattern LANG = Pattern.compile("[a-z]{2}");
  private final EducationService education;
  private final Auth auth;
  private final java.time.Clock clock;

  public EducationRoutes(Education education, Auth auth, java.time.Clock clock) {
    this.education = education.service;
    this.auth = auth;
    this.clock = clock;
  }

  public void mount(Router r) {
    r.get("/api/v1/education/modules").handler(auth.required()).handler(this::catalog);
    r.get("/api/v1/education/modules/:moduleId").handler(auth.required()).handler(this::module);
    r.get("/api/v1/education/modules/:moduleId/assets/:file").handler(auth.required()).handler(this::asset);
    r.get("/api/v1/patients/:patientId/education").handler(auth.required()).handler(this::overview);
    r.post("/api/v1/patients/:patientId/education/assignments").handler(auth.required()).handler(auth.clinician())
        .handler(this::assign);
    r.delete("/api/v1/patients/:patientId/education/assignments/:moduleId").handler(auth.required()).handler(auth.clinician())
        .handler(this::unassign);
    r.post("/api/v1/patients/:patientId/education/assignments/:moduleId/progress").handler(auth.required())
        .handler(this::progress);
    r.post("/api/v1/patients/:patientId/education/suggestions/:moduleId/confirm").handler(auth.required())
        .handler(auth.clinician()).handler(this::confirm);
    r.post("/api/v1/patients/:patientId/education/suggestions/:moduleId/dismiss").handler(auth.required())
        .handler(auth.clinician()).handler(this::dismiss);
  }

  private static String lang(RoutingContext ctx) {
    String v = ctx.queryParams().get("lang");
    if (v != null && !LANG.matcher(v).matches()) {
      throw ApiException.invalid("lang", "must be a two-letter language code such as en or es");
    }
    return v;
  }

  private void catalog(RoutingContext ctx) {
    education.catalog(Auth.caller(ctx), lang(ctx)).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void module(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "moduleId", "module");
    education.module(Auth.caller(ctx), id, lang(ctx)).onSuccess(o -> Responses.json(ctx, 200, new JsonObject().put("module", o)))
        .onFailure(ctx::fail);
  }

  /** Only files listed at start-up from the module's own folder: a name is a map key, never a path. */
  private void asset(RoutingContext ctx) {
    String id = Ids.pathId(ctx, "moduleId", "module");
    String file = ctx.pathParam("file");
    if (file == null || !MarkdownRenderer.ASSET_NAME.matcher(file).matches()) {
      throw ApiException.notFound("image");
    }
    EducationModule.Asset a = education.asset(id, file);
    ctx.response().putHeader("Content-Type", a.mime()).putHeader("Cache-Control", "private, max-age=3600")
        .putHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox")
        .end(io.vertx.core.buffer.Buffer.buffer(a.bytes()));
  }

  private void overview(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    education.overview(Auth.caller(ctx), pid).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  private void assign(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    JsonInput in = JsonInput.of(ctx, "moduleId", "note", "dueDate");
    String moduleId = in.optionalId("moduleId");
    if (moduleId == null) {
      throw ApiException.invalid("moduleId", "is required");
    }
    NewAssignment req = new NewAssignment(moduleId, note(in), dueDate(in));
    education.assign(Auth.caller(ctx), pid, req)
        .onSuccess(a -> Responses.json(ctx, a.created() ? 201 : 200, new JsonObject().put("assignment", a.assignment())
            .put("created", a.created()))).onFailure(ctx::fail);
  }

  private String note(JsonInput in) {
    String note = in.optionalString("note", education.config().noteMaxChars());
    return note == null || note.isBlank() ? null : note.strip();
  }

  /** A calendar date (YYYY-MM-DD) from yesterday (time zones) to a year ahead. */
  private LocalDate dueDate(JsonInput in) {
    String v = in.optionalString("dueDate", 10);
    if (v == null || v.isEmpty()) {
      return null;
    }
    LocalDate d;
    try {
      d = LocalDate.parse(v);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid("dueDate", "must be a date like 2026-12-31");
    }
    LocalDate today = LocalDate.now(clock.withZone(ZoneOffset.UTC));
    if (d.isBefore(today.minusDays(1)) || d.isAfter(today.plusYears(1))) {
      throw ApiException.invalid("dueDate", "must be between today and a year from now");
    }
    return d;
  }

  private void unassign(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    String mid = Ids.pathId(ctx, "moduleId", "assignment");
    education.unassign(Auth.caller(ctx), pid, mid).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }

  private void progress(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    String mid = Ids.pathId(ctx, "moduleId", "assignment");
    ProgressEvent e = progressEvent(ctx);
    education.progress(Auth.caller(ctx), pid, mid, e).onSuccess(o -> Responses.json(ctx, 200, o)).onFailure(ctx::fail);
  }

  /** {"event": "opened" | "position" (+ position 0-100) | "read-to-end" | "check" (+ answers) | "helpful" (+ helpful)}. */
  static ProgressEvent progressEvent(RoutingContext ctx) {
    JsonInput in = JsonInput.of(ctx, "event", "position", "answers", "helpful");
    JsonObject raw = ctx.body().asJsonObject();
    ProgressEvent.Kind kind = ProgressEvent.Kind.fromWire(in.string("event", 20));
    if (kind == null) {
      throw ApiException.invalid("event", "must be opened, position, read-to-end, check or helpful");
    }
    int position = 0;
    Map<String, String> answers = Map.of();
    boolean helpful = false;
    switch (kind) {
      case POSITION -> {
        Object p = raw.getValue("position");
        if (!(p instanceof Integer n) || n < 0 || n > 100) {
          throw ApiException.invalid("position", "must be a whole number from 0 to 100");
        }
        position = n;
      }
      case CHECK -> {
        if (!(raw.getValue("answers") instanceof JsonObject a) || a.isEmpty() || a.size() > 10) {
          throw ApiException.invalid("answers", "must be an object of question id to option id");
        }
        answers = new LinkedHashMap<>();
        for (String k : a.fieldNames()) {
          if (!Ids.valid(k) || !(a.getValue(k) instanceof String s) || !Ids.valid(s)) {
            throw ApiException.invalid("answers", "must map question ids to option ids (short ids)");
          }
          answers.put(k, s);
        }
      }
      case HELPFUL -> {
        Boolean b = in.optionalBool("helpful");
        if (b == null) {
          throw ApiException.invalid("helpful", "is required (true or false)");
        }
        helpful = b;
      }
      default -> {
      }
    }
    for (String f : new String[] {"position", "answers", "helpful"}) {
      boolean belongs = f.equals("position") && kind == ProgressEvent.Kind.POSITION || f.equals("answers") && kind == ProgressEvent.Kind.CHECK
          || f.equals("helpful") && kind == ProgressEvent.Kind.HELPFUL;
      if (!belongs && raw.containsKey(f)) {
        throw ApiException.invalid(f, "does not belong to a " + kind.wire + " event");
      }
    }
    return new ProgressEvent(kind, position, answers, helpful);
  }

  private void confirm(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    String mid = Ids.pathId(ctx, "moduleId", "suggestion");
    String text = ctx.body() == null ? null : ctx.body().asString();
    NewAssignment req = new NewAssignment(mid, null, null);
    if (text != null && !text.isBlank()) {
      JsonInput in = JsonInput.of(ctx, "note", "dueDate");
      req = new NewAssignment(mid, note(in), dueDate(in));
    }
    education.confirm(Auth.caller(ctx), pid, req)
        .onSuccess(a -> Responses.json(ctx, a.created() ? 201 : 200, new JsonObject().put("assignment", a.assignment())
            .put("created", a.created()))).onFailure(ctx::fail);
  }

  private void dismiss(RoutingContext ctx) {
    String pid = Ids.pathId(ctx, "patientId", "patient");
    String mid = Ids.pathId(ctx, "moduleId", "suggestion");
    education.dismiss(Auth.caller(ctx), pid, mid).onSuccess(v -> Responses.noContent(ctx)).onFailure(ctx::fail);
  }
}
