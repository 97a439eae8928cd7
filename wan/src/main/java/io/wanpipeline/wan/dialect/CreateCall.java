package io.wanpipeline.wan.dialect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;

/**
 * What one dialect sends on a create call and how it reads the answer that accepted it; {@link
 * TaskCallFlow#submit} does the rest (sending, the unanswered case, refusals, in doubt, logging).
 */
public interface CreateCall {

  /**
   * A refusal decided before any call, for a request the dialect cannot express (a model it has no
   * name or path for); empty to send the call.
   */
  default Optional<WanError> refuse(GenerationRequest request) {
    return Optional.empty();
  }

  /** The create path below the base URL, already encoded. */
  String path(GenerationRequest request);

  /** The JSON body. */
  ObjectNode body(GenerationRequest request, ObjectMapper mapper);

  /** Headers the dialect adds to Authorization, Accept, Content-Type and the request id. */
  default Map<String, String> headers() {
    return Map.of();
  }

  /**
   * The task a 2xx answer accepted; empty when the answer names no task.
   *
   * @param root the answer's JSON (possibly null or not an object)
   * @param request what was asked for
   * @param response the whole answer, for headers
   */
  Optional<SubmitOutcome.Accepted> accepted(
      JsonNode root, GenerationRequest request, HttpResponse<byte[]> response);

  /**
   * Whether a 2xx answer that names no task is an error, so that no task was created (a refusal);
   * otherwise it is in doubt. By default: when it carries an error code.
   *
   * @param root the answer's JSON (possibly null)
   * @param error the answer as the dialect's errors read it
   */
  default boolean refusedIn(JsonNode root, ProviderErrorBody error) {
    return error.hasCode();
  }
}
