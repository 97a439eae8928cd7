package io.wanpipeline.infra.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.schemas.json.JsonRecords;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A batch file read and checked: one JSON request per line, each with a {@code custom_id}, as the
 * batch APIs of the large model providers take them. Every line is read as a {@code video-requests}
 * event ({@link JsonRecords}) and checked as the submitter checks it ({@link RequestChecks}) before
 * anything is produced, so a batch either goes in whole or not at all.
 *
 * <p>Each request gets the request_id {@code <batch_id>.<custom_id>}, priority BATCH and the
 * metadata {@code batch_id} and {@code custom_id}: a batch produced again (after a crash, or by
 * mistake) produces the same request ids, which the submitter never submits twice.
 *
 * <p>Limits, decided once: {@value #MAX_LINES} lines, {@value #MAX_LINE_CHARS} characters a line
 * (the submitter's request size limit), a batch id of 1-64 and a custom_id of 1-128 characters of
 * {@code [A-Za-z0-9._:-]} (so a request_id stays within the id grammar's 255), custom_ids unique in
 * the file. Blank lines are skipped.
 */
public final class BatchFile {
  /** The most lines (requests) one batch file holds. */
  public static final int MAX_LINES = 50_000;

  /** The longest line: the submitter refuses a request over 512 KiB anyway. */
  public static final int MAX_LINE_CHARS = 512 * 1024;

  /** The batch id grammar. */
  public static final Pattern BATCH_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  /** The custom_id grammar. */
  public static final Pattern CUSTOM_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One request of the batch.
   *
   * @param line its line number, from 1
   * @param customId the line's own id
   * @param request the request as it is produced
   * @param account the provider account it goes to
   */
  public record Line(int line, String customId, VideoRequest request, ProviderAccount account)
      implements Checked {}

  /** What checking one line gives: the request, or why the batch cannot take it. */
  sealed interface Checked permits Line, Error {}

  /**
   * A line the batch cannot take.
   *
   * @param line its line number, from 1
   * @param field the offending field, or empty for the line as a whole
   * @param reason what is wrong
   */
  public record Error(int line, String field, String reason) implements Checked {
    @Override
    public String toString() {
      return "line " + line + (field.isEmpty() ? "" : ", " + field) + ": " + reason;
    }
  }

  private final String batchId;
  private final List<Line> lines;
  private final List<Error> errors;

  private BatchFile(String batchId, List<Line> lines, List<Error> errors) {
    this.batchId = batchId;
    this.lines = List.copyOf(lines);
    this.errors = List.copyOf(errors);
  }

  /** The batch id. */
  public String batchId() {
    return batchId;
  }

  /** The valid lines, in file order. */
  public List<Line> lines() {
    return lines;
  }

  /** Every line the batch cannot take, in file order; empty when the batch may be produced. */
  public List<Error> errors() {
    return errors;
  }

  /**
   * The batch id of {@code file} when none is given: {@code b-} and the first 16 hex digits of the
   * file's SHA-256, so producing the same file again gives the same request ids.
   */
  public static String defaultBatchId(Path file) throws IOException {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return "b-" + HexFormat.of().formatHex(sha.digest(Files.readAllBytes(file))).substring(0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /**
   * Reads and checks {@code file}.
   *
   * @param batchId the batch id ({@link #BATCH_ID})
   * @param defaultAccount the account_id of lines that name none, or null to require one per line
   * @param accounts the provider accounts a line may name (its default when it names none)
   * @param checks the submitter's checks
   * @throws IllegalArgumentException for a bad batch id or a file over {@value #MAX_LINES} lines
   * @throws IOException when the file cannot be read
   */
  public static BatchFile read(
      Path file,
      String batchId,
      String defaultAccount,
      ProviderAccounts accounts,
      RequestChecks checks)
      throws IOException {
    if (!BATCH_ID.matcher(batchId).matches()) {
      throw new IllegalArgumentException(
          "batch id '" + batchId + "' must be 1-64 characters of [A-Za-z0-9._:-]");
    }
    List<Line> lines = new ArrayList<>();
    List<Error> errors = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String text;
      int number = 0;
      while ((text = in.readLine()) != null) {
        number++;
        if (text.isBlank()) {
          continue;
        }
        if (lines.size() + errors.size() >= MAX_LINES) {
          throw new IllegalArgumentException(
              file + ": more than " + MAX_LINES + " requests; split it into several batches");
        }
        Checked checked = check(text, number, batchId, defaultAccount, accounts, checks, seen);
        if (checked instanceof Line line) {
          lines.add(line);
        } else {
          errors.add((Error) checked);
        }
      }
    }
    return new BatchFile(batchId, lines, errors);
  }

  private static Checked check(
      String text,
      int number,
      String batchId,
      String defaultAccount,
      ProviderAccounts accounts,
      RequestChecks checks,
      Map<String, Integer> seen) {
    if (text.length() > MAX_LINE_CHARS) {
      return error(number, "", "longer than " + MAX_LINE_CHARS + " characters");
    }
    JsonNode json;
    try {
      json = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return error(number, "", "not JSON (" + e.getOriginalMessage() + ")");
    }
    if (!(json instanceof ObjectNode object)) {
      return error(number, "", "a line must be one JSON object");
    }
    JsonNode custom = object.remove("custom_id");
    if (custom == null || !custom.isTextual()) {
      return error(number, "custom_id", "required: a string naming the line");
    }
    String customId = custom.textValue();
    if (!CUSTOM_ID.matcher(customId).matches()) {
      return error(number, "custom_id", "must be 1-128 characters of [A-Za-z0-9._:-]");
    }
    Integer first = seen.putIfAbsent(customId, number);
    if (first != null) {
      return error(number, "custom_id", "'" + customId + "' is already line " + first + "'s");
    }
    if (object.has("request_id")) {
      return error(
          number,
          "request_id",
          "leave it out: it is derived from the batch id and custom_id ("
              + batchId
              + "."
              + customId
              + ")");
    }
    JsonNode priority = object.get("priority");
    if (priority != null && !"BATCH".equals(priority.asText())) {
      return error(number, "priority", "a batch's requests are BATCH");
    }
    JsonNode metadata = object.get("metadata");
    if (metadata != null && (metadata.has("batch_id") || metadata.has("custom_id"))) {
      return error(number, "metadata", "batch_id and custom_id are set by the batch");
    }
    object.put("request_id", batchId + "." + customId);
    object.put("priority", Priority.BATCH.name());
    if (!object.has("account_id") && defaultAccount != null) {
      object.put("account_id", defaultAccount);
    }
    VideoRequest request;
    try {
      request = JsonRecords.read(object, VideoRequest.getClassSchema());
    } catch (JsonRecords.InvalidJsonRecord e) {
      String reason = e.getMessage();
      return error(
          number,
          e.field(),
          e.field().isEmpty() ? reason : reason.substring(e.field().length() + 2));
    }
    Map<String, String> tagged = new LinkedHashMap<>(request.getMetadata());
    tagged.put("batch_id", batchId);
    tagged.put("custom_id", customId);
    request.setMetadata(tagged);
    Optional<ProviderAccount> account = accounts.resolve(request.getProviderAccount());
    if (account.isEmpty()) {
      return error(
          number,
          "provider_account",
          "unknown provider account '"
              + request.getProviderAccount()
              + "'; configured: "
              + accounts.all().stream().map(ProviderAccount::name).toList());
    }
    Optional<ErrorInfo> invalid = checks.violations(request, account.get());
    if (invalid.isPresent()) {
      ErrorInfo e = invalid.get();
      String field = e.getField() == null ? "" : e.getField();
      String message = e.getMessage();
      // The checks' message names the field first: said once, in the field's place.
      if (!field.isEmpty() && message.startsWith(field + ": ")) {
        message = message.substring(field.length() + 2);
      }
      return error(number, field, message);
    }
    return new Line(number, customId, request, account.get());
  }

  private static Error error(int line, String field, String reason) {
    return new Error(line, field, reason);
  }
}
