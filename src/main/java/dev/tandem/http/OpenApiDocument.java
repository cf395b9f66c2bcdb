package dev.tandem.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** The OpenAPI 3 description of every route, shipped in the jar and served as written. */
public final class OpenApiDocument {
  public static final String RESOURCE = "/openapi/openapi.yaml";

  private OpenApiDocument() {
  }

  public static String text() {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("openapi/openapi.yaml is missing from the build");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the OpenAPI document", e);
    }
  }
}
