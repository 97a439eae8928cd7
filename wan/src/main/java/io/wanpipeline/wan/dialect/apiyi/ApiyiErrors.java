package io.wanpipeline.wan.dialect.apiyi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.GatewayErrors;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.newapi.NewApiErrors;
import io.wanpipeline.wan.http.SecretRedactor;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * APIYI's error answers (seed 002). Create calls it rejects answer HTTP 4xx/5xx with an error
 * object whose {@code type} says who rejected them: {@code task_error} (the upstream's error,
 * relayed with its code in brackets at the start of the message, {@code [InvalidParameter] Field
 * required: input.media}), {@code parse_request_failed} or {@code build_request_failed} (APIYI
 * itself, before calling upstream). The bracketed code wins over a {@code code} field, which wins
 * over the {@code type}; the message is kept without its bracket.
 *
 * <p>A 5xx of type {@code parse_request_failed} or {@code build_request_failed} is a refusal (the
 * call never left APIYI: no task exists), not retryable; a 5xx {@code task_error} stays in doubt.
 * The distributor's {@code model_not_found} is handled as for every new-api gateway.
 */
final class ApiyiErrors implements GatewayErrors {

  /** The upstream's error, relayed. */
  static final String TASK_ERROR = "task_error";

  /** APIYI could not read the body (wrong field type, not JSON). */
  static final String PARSE_REQUEST_FAILED = "parse_request_failed";

  /** APIYI could not build the upstream call from the body. */
  static final String BUILD_REQUEST_FAILED = "build_request_failed";

  private static final Set<String> LOCAL_TYPES = Set.of(PARSE_REQUEST_FAILED, BUILD_REQUEST_FAILED);

  private static final Pattern BRACKETED =
      Pattern.compile("^\\s*\\[([A-Za-z][\\w.\\-]*)]\\s*(.*)$");

  /** Only reads trees; never configured after construction. */
  private static final ObjectMapper READER = new ObjectMapper();

  /** A message that may start with an upstream code in brackets. */
  record Bracketed(String code, String text) {
    /** Splits {@code [Code] text}; code null when the message has no bracket. */
    static Bracketed of(String message) {
      if (message == null) {
        return new Bracketed(null, null);
      }
      Matcher m = BRACKETED.matcher(message);
      if (!m.matches()) {
        return new Bracketed(null, message.strip());
      }
      return new Bracketed(m.group(1), m.group(2).strip());
    }
  }

  @Override
  public ProviderErrorBody read(byte[] body, ObjectMapper mapper) {
    JsonNode holder = holder(body, mapper);
    if (holder == null) {
      return ProviderErrorBody.parse(body, mapper);
    }
    Bracketed message = Bracketed.of(text(holder, "message"));
    String code = message.code();
    if (code == null) {
      code = text(holder, "code");
    }
    if (code == null) {
      code = text(holder, "type");
    }
    return new ProviderErrorBody(
        code, SecretRedactor.redact(message.text()), text(rootOf(body, mapper), "request_id"));
  }

  @Override
  public Optional<WanError> refusedBeforeDispatch(
      int httpStatus, ProviderErrorBody error, byte[] body, Duration retryAfter) {
    Optional<WanError> distributor = NewApiErrors.distributorRefusal(httpStatus, error, retryAfter);
    if (distributor.isPresent() || httpStatus < 500) {
      return distributor;
    }
    JsonNode holder = holder(body, READER);
    String type = holder == null ? null : text(holder, "type");
    if (type == null || !LOCAL_TYPES.contains(type)) {
      return Optional.empty();
    }
    String code = error.code() == null ? type : error.code();
    return Optional.of(
        new WanError(
            code,
            code
                + " (HTTP "
                + httpStatus
                + ", "
                + type
                + ")"
                + (error.message() == null ? "" : ": " + error.message()),
            false,
            Stage.SUBMIT,
            httpStatus,
            null));
  }

  @Override
  public boolean unknownTask(int httpStatus, ProviderErrorBody error) {
    return NewApiErrors.taskNotExist(error);
  }

  /** The object that carries message/type/code: {@code error} when present, else the root. */
  private static JsonNode holder(byte[] body, ObjectMapper mapper) {
    JsonNode root = rootOf(body, mapper);
    if (root == null) {
      return null;
    }
    JsonNode error = root.get("error");
    if (error != null && error.isObject()) {
      return error;
    }
    if (root.hasNonNull("message") || root.hasNonNull("code") || root.hasNonNull("type")) {
      return root;
    }
    return null;
  }

  private static JsonNode rootOf(byte[] body, ObjectMapper mapper) {
    if (body == null || body.length == 0) {
      return null;
    }
    try {
      JsonNode root = mapper.readTree(body);
      return root != null && root.isObject() ? root : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    if (node == null) {
      return null;
    }
    JsonNode v = node.get(field);
    if (v == null || v.isNull() || v.isContainerNode()) {
      return null;
    }
    String s = v.asText().strip();
    return s.isEmpty() ? null : s;
  }
}
