package io.wanpipeline.wan.dialect.vtrix;

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
import io.wanpipeline.wan.http.SecretRedactor;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Vtrix's create call: {@code POST /model/v1/generation} under Vtrix's model id ({@link
 * VtrixModelIds}) in the account's {@link VtrixEnvelope}; the answer is the task object itself
 * (possibly already completed). A model without a Vtrix id is refused before any call.
 */
final class VtrixCreateCall implements CreateCall {

  private final VtrixEnvelope envelope;
  private final VtrixModelIds modelIds;

  VtrixCreateCall(VtrixEnvelope envelope, VtrixModelIds modelIds) {
    this.envelope = envelope;
    this.modelIds = modelIds;
  }

  @Override
  public Optional<WanError> refuse(GenerationRequest request) {
    if (modelIds.gatewayId(request.model()).isPresent()) {
      return Optional.empty();
    }
    String model = request.model() == null ? "" : SecretRedactor.redact(request.model());
    return Optional.of(
        new WanError(
            VtrixClient.UNSUPPORTED_MODEL,
            "model '"
                + model
                + "' has no Vtrix model id (known: "
                + String.join(", ", modelIds.ourIds())
                + "; add one with the dialect option "
                + VtrixModelIds.OPTION
                + ")",
            false,
            Stage.SUBMIT,
            0,
            null));
  }

  @Override
  public String path(GenerationRequest request) {
    return VtrixClient.GENERATION_PATH;
  }

  @Override
  public ObjectNode body(GenerationRequest request, ObjectMapper mapper) {
    return VtrixBody.of(
        request, modelIds.gatewayId(request.model()).orElseThrow(), envelope, mapper);
  }

  @Override
  public Optional<SubmitOutcome.Accepted> accepted(
      JsonNode root, GenerationRequest request, HttpResponse<byte[]> response) {
    String taskId = VtrixAnswers.taskId(root);
    if (taskId == null || taskId.isBlank()) {
      return Optional.empty();
    }
    String word = root.path("status").asText(null);
    ProviderStatus status = word == null ? ProviderStatus.PENDING : VtrixAnswers.status(word);
    return Optional.of(
        new SubmitOutcome.Accepted(
            taskId, status, response.headers().firstValue("x-request-id").orElse(null)));
  }

  /** An error code, or an {@code error} member, in a 2xx answer means no task was created. */
  @Override
  public boolean refusedIn(JsonNode root, ProviderErrorBody error) {
    return error.hasCode() || (root != null && root.hasNonNull("error"));
  }
}
