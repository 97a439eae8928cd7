package io.wanpipeline.wan.dialect.mulerouter;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.ProviderStatus;
import io.wanpipeline.wan.SubmitOutcome;
import io.wanpipeline.wan.WanError;
import io.wanpipeline.wan.WanError.Stage;
import io.wanpipeline.wan.dashscope.ProviderErrorBody;
import io.wanpipeline.wan.dialect.CreateCall;
import io.wanpipeline.wan.dialect.TaskCallFlow;
import io.wanpipeline.wan.http.SecretRedactor;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * MuleRouter's create call: the model in the path ({@code <vendor>/{model}/generation}), a flat
 * body ({@link MuleRouterBody}), answered 202 {@code {"task_info":{"id",...}}}; the task id handed
 * out is the {@link MuleRouterTaskId} {@code <model>/<id>}. A model that cannot be a path segment
 * is refused before any call.
 */
final class MuleRouterCreateCall implements CreateCall {

  private final String vendorPath;

  MuleRouterCreateCall(String vendorPath) {
    this.vendorPath = vendorPath;
  }

  /** The path of {@code model}'s generation route below the base URL. */
  String generationPath(String model) {
    return vendorPath + "/" + TaskCallFlow.encodePath(model) + "/generation";
  }

  @Override
  public Optional<WanError> refuse(GenerationRequest request) {
    String model = request.model();
    if (MuleRouterTaskId.segment(model)) {
      return Optional.empty();
    }
    return Optional.of(
        new WanError(
            MuleRouterClient.INVALID_MODEL,
            "model '"
                + (model == null ? "" : SecretRedactor.redact(model))
                + "' cannot name a MuleRouter path",
            false,
            Stage.SUBMIT,
            0,
            null));
  }

  @Override
  public String path(GenerationRequest request) {
    return generationPath(request.model());
  }

  @Override
  public ObjectNode body(GenerationRequest request, ObjectMapper mapper) {
    return MuleRouterBody.of(request, mapper);
  }

  @Override
  public Optional<SubmitOutcome.Accepted> accepted(
      JsonNode root, GenerationRequest request, HttpResponse<byte[]> response) {
    String gatewayId = MuleRouterAnswers.gatewayTaskId(root);
    if (gatewayId == null || !MuleRouterTaskId.segment(gatewayId)) {
      return Optional.empty();
    }
    String word = root.path("task_info").path("status").asText(null);
    ProviderStatus status = word == null ? ProviderStatus.PENDING : MuleRouterAnswers.status(word);
    String providerRequestId =
        response
            .headers()
            .firstValue("x-request-id")
            .or(() -> response.headers().firstValue("traceparent"))
            .orElse(null);
    return Optional.of(
        new SubmitOutcome.Accepted(
            new MuleRouterTaskId(request.model(), gatewayId).toString(),
            status,
            providerRequestId));
  }

  /** Any error object (a code or a text) in a 2xx answer means no task was created. */
  @Override
  public boolean refusedIn(JsonNode root, ProviderErrorBody error) {
    return error.code() != null || error.message() != null;
  }
}
