package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.account.DialectModels;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.validation.RequestValidator;
import io.wanpipeline.wan.validation.Violation;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;

/** Validates a generation against the model catalogue and derives the facts events carry. */
public final class RequestChecks {
  /** Error code of a request that fails validation. */
  public static final String INVALID_REQUEST = "INVALID_REQUEST";

  private final ModelCatalogue catalogue;
  private final RequestValidator validator;

  /** Checks against {@code catalogue}. */
  public RequestChecks(ModelCatalogue catalogue) {
    this.catalogue = Objects.requireNonNull(catalogue, "catalogue");
    this.validator = new RequestValidator(catalogue);
  }

  /**
   * The validation error of {@code request} for {@code account} (in the account's region, and for a
   * model the account's dialect can name, see {@link DialectModels}), or empty when it may be
   * submitted: code INVALID_REQUEST, the first violation's field, and every violation's message.
   */
  public Optional<ErrorInfo> violations(GenerationRequest request, ProviderAccount account) {
    Optional<Region> region = Region.parse(account.region());
    List<Violation> violations =
        new ArrayList<>(
            region.isPresent()
                ? validator.validate(request, region.get())
                : validator.validate(request));
    if (violations.stream().noneMatch(v -> "model".equals(v.field()))) {
      DialectModels.refusal(account, request.model())
          .ifPresent(reason -> violations.add(Violation.of("model", reason)));
    }
    if (violations.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(
        ErrorInfo.newBuilder()
            .setCode(INVALID_REQUEST)
            .setMessage(
                violations.stream().map(Violation::message).collect(Collectors.joining("; ")))
            .setRetryable(false)
            .setStage(ErrorStage.VALIDATION)
            .setField(violations.get(0).field())
            .build());
  }

  /** Resolution tier, duration and audio of {@code request}, as the model will produce it. */
  public RequestedFacts facts(GenerationRequest request) {
    Optional<ModelSpec> spec = catalogue.find(request.model());
    GenerationRequest.Parameters p = request.parameters();
    if (spec.isEmpty()) {
      return new RequestedFacts(p.resolution(), p.duration(), p.audio());
    }
    return new RequestedFacts(
        spec.get().tierOf(request), spec.get().durationOf(request), p.audio());
  }
}
