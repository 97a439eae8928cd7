package io.wanpipeline.wan.dashscope;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.dialect.CreateCall;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The native create call (docs/protocol.md 1.2-1.5): the model's create path (after a gateway's
 * prefix), the native body ({@link CreateTaskBody}), the async header; the answer's {@code
 * output.task_id}. A 2xx answer with an error code and no task is refused (some gateways do that).
 */
final class NativeCreateCall implements CreateCall {

  private final String pathPrefix;
  private final Function<String, Endpoint> endpoints;

  NativeCreateCall(String pathPrefix, Function<String, Endpoint> endpoints) {
    this.pathPrefix = pathPrefix;
    this.endpoints = endpoints;
  }

  @Override
  public String path(GenerationRequest request) {
    return pathPrefix + endpoints.apply(request.model()).path();
  }

  @Override
  public ObjectNode body(GenerationRequest request, ObjectMapper mapper) {
    return CreateTaskBody.of(request, mapper);
  }

  @Override
  public Map<String, String> headers() {
    return Map.of(DashScopeClient.ASYNC_HEADER, "enable");
  }

  @Override
  public Optional<SubmitOutcome.Accepted> accepted(
      JsonNode root, GenerationRequest request, HttpResponse<byte[]> response) {
    JsonNode output = root == null ? null : root.get("output");
    String taskId = output == null ? null : textOrNull(output.get("task_id"));
    if (taskId == null || taskId.isBlank()) {
      return Optional.empty();
    }
    String statusText = textOrNull(output.get("task_status"));
    ProviderStatus status =
        statusText == null ? ProviderStatus.PENDING : ProviderStatus.fromNative(statusText);
    return Optional.of(
        new SubmitOutcome.Accepted(taskId, status, textOrNull(root.get("request_id"))));
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
  }
}
