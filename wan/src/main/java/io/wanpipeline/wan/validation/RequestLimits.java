package io.wanpipeline.wan.validation;

import io.wanpipeline.wan.catalogue.Phrases;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The per-field limits of a request, decided once (documented in docs/configuration.md, "Request
 * limits"). Per-model limits (prompt length, tiers, sizes, durations, media combinations) are in
 * the model catalogue; everything here holds for every model.
 */
public final class RequestLimits {

  /**
   * The longest id (request_id, account_id): 255 characters. Ids become Kafka keys, the account
   * part of billing-totals keys ({@code account_id|day|currency}) and S3 object key segments; two
   * of them in a 1,024-byte S3 key leave room for the prefix and date.
   */
  public static final int MAX_ID_LENGTH = 255;

  /** The characters of an id: letters, digits and {@code . _ : -} (no {@code |}, {@code /}). */
  public static final String ID_CHARACTERS = "letters, digits and . _ : -";

  /**
   * Most {@code metadata} entries per request: 64. Metadata is copied onto every status event of
   * the request (six or more per request), so it is kept small.
   */
  public static final int MAX_METADATA_ENTRIES = 64;

  /** Most UTF-8 bytes of all {@code metadata} keys and values together: 8 KiB. */
  public static final int MAX_METADATA_BYTES = 8 * 1024;

  /**
   * Most {@code input.media} items: 10 (the largest documented set is HappyHorse r2v's 9 reference
   * images; docs/protocol.md 1.4 G). Per-model counts are checked by the catalogue's media rules.
   */
  public static final int MAX_MEDIA_ITEMS = 10;

  /**
   * Most {@code input.reference_urls}: 10, a bound on the list rather than a provider rule (the
   * protocol notes give no maximum for wan2.6 r2v, docs/protocol.md 1.4 E; the catalogue notes it).
   */
  public static final int MAX_REFERENCE_URLS = 10;

  /**
   * The video-effect templates named by the provider documents (docs/protocol.md 1.4 B: {@code
   * flying}, {@code squish}; SEED-3 MuleRouter: {@code solaron}). The full list was not retrieved
   * (docs/protocol.md 8.5), so any other value is refused rather than submitted to fail or be
   * billed unpredictably; add a template here once the provider's effect list confirms it.
   */
  public static final List<String> EFFECT_TEMPLATES = List.of("flying", "squish", "solaron");

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]+");

  private RequestLimits() {}

  /**
   * Why {@code value} cannot be the id {@code field} ({@code request_id}, {@code account_id}), or
   * empty when it can: 1 to {@value #MAX_ID_LENGTH} characters of {@value #ID_CHARACTERS}, not
   * {@code .} and without {@code ..} (a relative path segment in an object key).
   */
  public static Optional<String> idProblem(String field, String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(field + " is empty");
    }
    if (value.length() > MAX_ID_LENGTH) {
      return Optional.of(
          field + " has " + value.length() + " characters, at most " + MAX_ID_LENGTH);
    }
    if (!ID.matcher(value).matches()) {
      return Optional.of(field + " may contain only " + ID_CHARACTERS);
    }
    if (value.equals(".")) {
      return Optional.of(field + " must not be '.'");
    }
    if (value.contains("..")) {
      return Optional.of(field + " must not contain '..'");
    }
    return Optional.empty();
  }

  /**
   * The violation of a request's {@code metadata}, or empty: more than {@value
   * #MAX_METADATA_ENTRIES} entries, more than {@value #MAX_METADATA_BYTES} UTF-8 bytes of keys and
   * values, an empty key, or a character {@link TextCheck} refuses.
   */
  public static Optional<Violation> metadataProblem(Map<String, String> metadata) {
    if (metadata == null || metadata.isEmpty()) {
      return Optional.empty();
    }
    if (metadata.size() > MAX_METADATA_ENTRIES) {
      return Optional.of(
          Violation.of(
              "metadata",
              "has "
                  + metadata.size()
                  + " entries, at most "
                  + MAX_METADATA_ENTRIES
                  + " (metadata is copied onto every status event)"));
    }
    long bytes = 0;
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      String key = e.getKey() == null ? "" : e.getKey();
      String value = e.getValue() == null ? "" : e.getValue();
      if (key.isEmpty()) {
        return Optional.of(Violation.of("metadata", "has an empty key"));
      }
      Optional<String> bad = TextCheck.problem(key).or(() -> TextCheck.problem(value));
      if (bad.isPresent()) {
        return Optional.of(Violation.of("metadata[" + Phrases.echo(key) + "]", bad.get()));
      }
      bytes +=
          key.getBytes(StandardCharsets.UTF_8).length
              + value.getBytes(StandardCharsets.UTF_8).length;
    }
    if (bytes > MAX_METADATA_BYTES) {
      return Optional.of(
          Violation.of(
              "metadata",
              "has "
                  + bytes
                  + " bytes of keys and values (UTF-8), at most "
                  + MAX_METADATA_BYTES
                  + " (metadata is copied onto every status event)"));
    }
    return Optional.empty();
  }
}
