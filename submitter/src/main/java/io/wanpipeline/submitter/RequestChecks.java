package io.wanpipeline.submitter;

import io.wanpipeline.events.ErrorInfo;
import io.wanpipeline.events.ErrorStage;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.account.DialectModels;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.validation.RequestLimits;
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
   * The validation error of {@code request} for {@code account}, or empty when it may be submitted:
   * the caller's {@code account_id} (it keys bills and object keys: the id grammar of {@link
   * RequestLimits#idProblem}), its {@code metadata} (copied onto every status event: {@link
   * RequestLimits#metadataProblem}), then the generation as in {@link
   * #violations(GenerationRequest, ProviderAccount)}.
   */
  public Optional<ErrorInfo> violations(VideoRequest request, ProviderAccount account) {
    List<Violation> violations = new ArrayList<>();
    RequestLimits.idProblem("account_id", request.getAccountId())
        .ifPresent(p -> violations.add(new Violation("account_id", p)));
    RequestLimits.metadataProblem(request.getMetadata()).ifPresent(violations::add);
    violations.addAll(validate(RequestMapper.toGeneration(request), account));
    return error(violations);
  }

  /**
   * The validation error of {@code request} for {@code account} (in the account's region, and for a
   * model the account's dialect can name, see {@link DialectModels}), or empty when it may be
   * submitted: code INVALID_REQUEST, the first violation's field, and every violation's message.
   */
  public Optional<ErrorInfo> violations(GenerationRequest request, ProviderAccount account) {
    return error(validate(request, account));
  }

  private List<Violation> validate(GenerationRequest request, ProviderAccount account) {
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
    return violations;
  }

  private static Optional<ErrorInfo> error(List<Violation> violations) {
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

  /**
   * The generation to send for {@code request}: its fields, with the tier it is billed at stated
   * explicitly ({@link ModelSpec#withTierStated}), so no gateway default can make another tier.
   */
  public GenerationRequest forProvider(VideoRequest request) {
    GenerationRequest generation = RequestMapper.toGeneration(request);
    return catalogue
        .find(generation.model())
        .map(s -> s.withTierStated(generation))
        .orElse(generation);
  }

  /** Resolution tier, duration and audio of {@code request}, as the model will produce it. */
  public RequestedFacts facts(GenerationRequest request) {
    Optional<ModelSpec> spec = catalogue.find(request.model());
    GenerationRequest.Parameters p = request.parameters();
    if (spec.isEmpty()) {
      return new RequestedFacts(p.resolution(), p.duration(), p.audio());
    }
    return new RequestedFacts(
        spec.get().priceTierOf(request), spec.get().durationOf(request), p.audio());
  }
}
