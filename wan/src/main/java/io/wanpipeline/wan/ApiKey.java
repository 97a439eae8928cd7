package io.wanpipeline.wan;

import java.util.Objects;

/**
 * A provider API key and the reference under which events and logs may name it. The secret never
 * appears in {@link #toString()}.
 *
 * @param ref stable, non-secret name of the key (for example {@code cn-main#0}); travels in events
 * @param secret the bearer token itself; only ever written to the Authorization header
 */
public record ApiKey(String ref, String secret) {
  public ApiKey {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(secret, "secret");
  }

  @Override
  public String toString() {
    return "ApiKey[ref=" + ref + ", secret=***]";
  }
}
