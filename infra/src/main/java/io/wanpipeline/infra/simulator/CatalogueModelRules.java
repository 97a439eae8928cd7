package io.wanpipeline.infra.simulator;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.Endpoint;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.ParameterStyle;
import io.wanpipeline.wan.catalogue.ProviderLimits;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.validation.RequestValidator;
import io.wanpipeline.wan.validation.Violation;
import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

/**
 * The simulator's model rules, taken from the shared model catalogue and request validator, so the
 * simulator refuses exactly what the pipeline's own validation predicts the provider refuses.
 */
final class CatalogueModelRules implements ModelRules {

  private final ModelCatalogue catalogue;
  private final RequestValidator validator;

  CatalogueModelRules(ModelCatalogue catalogue) {
    this.catalogue = catalogue;
    this.validator = new RequestValidator(catalogue);
  }

  @Override
  public Optional<Endpoint> endpointOf(String model) {
    return catalogue.find(model).map(ModelSpec::endpoint);
  }

  @Override
  public ParameterStyle parameterStyleOf(String model) {
    return catalogue.find(model).map(ModelSpec::parameterStyle).orElse(ParameterStyle.RESOLUTION);
  }

  @Override
  public List<String> violations(GenerationRequest request) {
    return validator.validate(request).stream().map(Violation::message).toList();
  }

  @Override
  public String tierOf(GenerationRequest request) {
    return catalogue.find(request.model()).map(s -> s.tierOf(request)).orElse("720P");
  }

  @Override
  public BigDecimal secondsOf(GenerationRequest request) {
    Optional<ModelSpec> spec = catalogue.find(request.model());
    if (spec.isEmpty()) {
      return BigDecimal.valueOf(5);
    }
    Integer asked = request.parameters().duration();
    boolean followsInput =
        !spec.get().duration().takesParameter()
            || (spec.get().duration().followsInput() && (asked == null || asked == 0));
    if (followsInput) {
      return BigDecimal.ZERO; // as long as an input the simulator never fetches: it makes one up
    }
    return BigDecimal.valueOf(spec.get().durationOf(request));
  }

  @Override
  public Optional<Integer> concurrencyOf(String model) {
    return limits(model).map(ProviderLimits::concurrentTasks);
  }

  @Override
  public Optional<Integer> submitRpsOf(String model) {
    return limits(model).map(ProviderLimits::submitRps);
  }

  /** Beijing's limits (the simulator plays a Beijing endpoint), else any region's. */
  private Optional<ProviderLimits> limits(String model) {
    return catalogue
        .find(model)
        .flatMap(s -> s.limitsIn(Region.CN).or(() -> s.limits().values().stream().findFirst()));
  }
}
