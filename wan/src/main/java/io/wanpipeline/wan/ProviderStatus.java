package io.wanpipeline.wan;

import java.util.Locale;

/** A task's state as the provider reports it, normalised across dialects. */
public enum ProviderStatus {
  PENDING,
  RUNNING,
  /** Present in the SDK's enum only; treated as not terminal. */
  SUSPENDED,
  SUCCEEDED,
  FAILED,
  CANCELED,
  /** The id never existed or the task is older than 24 hours. */
  UNKNOWN;

  /** True for states after which the task never changes again. */
  public boolean terminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELED || this == UNKNOWN;
  }

  /** Parses a native DashScope {@code task_status}; anything unrecognised is RUNNING-like. */
  public static ProviderStatus fromNative(String value) {
    if (value == null) {
      return UNKNOWN;
    }
    return switch (value.trim().toUpperCase(Locale.ROOT)) {
      case "PENDING" -> PENDING;
      case "RUNNING" -> RUNNING;
      case "SUSPENDED" -> SUSPENDED;
      case "SUCCEEDED" -> SUCCEEDED;
      case "FAILED" -> FAILED;
      case "CANCELED", "CANCELLED" -> CANCELED;
      case "UNKNOWN" -> UNKNOWN;
      default -> RUNNING;
    };
  }
}
