package dev.tandem.config;

/** Deployment profile: production refuses demo data and generated development keys. */
public enum Profile {
  DEVELOPMENT,
  PRODUCTION
}
