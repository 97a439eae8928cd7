package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.account.ProviderAccount;
import java.util.Optional;

/** Validates a generation against the model catalogue and derives the facts events carry. */
final class RequestChecks {

  /** The validation error of {@code request} for {@code account}, or empty when it is valid. */
  Optional<ErrorInfo> violations(GenerationRequest request, ProviderAccount account) {
    if (request.model() == null || request.model().isBlank()) {
      return Optional.of(
          ErrorInfo.newBuilder()
              .setCode(RecordHandler.INVALID_REQUEST)
              .setMessage("model is required")
              .setRetryable(false)
              .setStage(ErrorStage.VALIDATION)
              .setField("model")
              .build());
    }
    return Optional.empty();
  }

  /** Resolution tier, duration and audio of {@code request}. */
  RequestedFacts facts(GenerationRequest request) {
    return RequestedFacts.of(request);
  }
}
