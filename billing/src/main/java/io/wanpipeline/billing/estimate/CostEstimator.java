package io.wanpipeline.billing.estimate;

import io.wanpipeline.billing.charge.ChargeCalculator;
import io.wanpipeline.billing.price.AccountPricing;
import io.wanpipeline.billing.price.PriceChoice;
import io.wanpipeline.billing.price.PriceKey;
import io.wanpipeline.billing.price.PriceLookup;
import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.catalogue.DurationRule;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import io.wanpipeline.wan.catalogue.Tiers;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Prices requests before they are submitted, with the same price choice ({@link PriceChoice}) and
 * rounding as the charge: the tier and output seconds the model will produce (its maximum when the
 * output follows an input of unknown length) at the price in force at {@code at}. Pure.
 */
public final class CostEstimator {
  private final PriceLookup prices;
  private final AccountPricing pricing;
  private final ModelCatalogue catalogue;

  public CostEstimator(PriceLookup prices, AccountPricing pricing, ModelCatalogue catalogue) {
    this.prices = prices;
    this.pricing = pricing;
    this.catalogue = catalogue;
  }

  /** The estimates of {@code requests}, in order; {@code defaultAccount} may be null. */
  public List<Estimate> estimate(
      List<EstimateRequest> requests, String defaultAccount, Instant at) {
    return requests.stream().map(r -> estimate(r, defaultAccount, at)).toList();
  }

  /**
   * The estimate of {@code request} at {@code at}; its provider account, else {@code
   * defaultAccount}, else the any-account (list) price.
   */
  public Estimate estimate(EstimateRequest request, String defaultAccount, Instant at) {
    String model = request.model();
    if (model == null || model.isBlank()) {
      return new Estimate.Unpriced(request.requestId(), model, "no model");
    }
    String account = request.providerAccount() != null ? request.providerAccount() : defaultAccount;
    Optional<ModelSpec> spec = catalogue.find(model);
    String tier;
    int seconds;
    boolean exact;
    if (spec.isPresent()) {
      GenerationRequest asked =
          new GenerationRequest(
              model,
              GenerationRequest.Input.EMPTY,
              new GenerationRequest.Parameters(
                  request.resolution(),
                  request.size(),
                  null,
                  request.duration(),
                  null,
                  null,
                  request.audio(),
                  null,
                  null,
                  request.mode() == null ? Map.of() : Map.of(ModelSpec.MODE, request.mode())));
      tier = spec.get().priceTierOf(asked);
      if (tier == null) {
        return new Estimate.Unpriced(
            request.requestId(),
            model,
            model + " is priced by parameters.mode and the request names none");
      }
      DurationRule rule = spec.get().duration();
      Integer d = request.duration();
      boolean given = rule.takesParameter() && d != null && d > 0;
      if (given || (!rule.followsInput() && rule.takesParameter())) {
        seconds = spec.get().durationOf(asked);
        exact = true;
      } else if (rule.max() > 0) {
        seconds = rule.max();
        exact = false;
      } else {
        return new Estimate.Unpriced(
            request.requestId(), model, "output follows an input and the model has no maximum");
      }
    } else {
      tier =
          Optional.ofNullable(request.resolution())
              .map(r -> r.strip().toUpperCase(Locale.ROOT))
              .filter(Tiers::isTier)
              .or(() -> Tiers.ofSize(request.size()))
              .orElse(null);
      if (tier == null) {
        return new Estimate.Unpriced(
            request.requestId(), model, "model not in the catalogue and no resolution or size");
      }
      if (request.duration() == null || request.duration() <= 0) {
        return new Estimate.Unpriced(
            request.requestId(), model, "model not in the catalogue and no duration");
      }
      seconds = request.duration();
      exact = true;
    }
    // Whether the output has sound is known only after generation when the request does not say:
    // the estimate then takes the dearer of the audio and silent prices, as an upper bound.
    boolean audio = !Boolean.FALSE.equals(request.audio());
    Optional<PriceChoice> choice;
    try {
      choice = PriceChoice.choose(prices, pricing, account, model, tier, audio, at);
      if (request.audio() == null && choice.isPresent() && choice.get().audio()) {
        Optional<PriceChoice> silent =
            PriceChoice.choose(prices, pricing, account, model, tier, false, at);
        if (silent.isPresent()
            && silent.get().currency().equals(choice.get().currency())
            && silent.get().unitMicros() > choice.get().unitMicros()) {
          choice = silent;
        }
      }
    } catch (ArithmeticException e) {
      return new Estimate.Unpriced(request.requestId(), model, "marked-up price out of range");
    }
    if (choice.isEmpty()) {
      return new Estimate.Unpriced(
          request.requestId(),
          model,
          "no price in force at "
              + at
              + " for "
              + new PriceKey(account == null ? PriceKey.ANY_ACCOUNT : account, model, tier, audio)
                  .topicKey());
    }
    PriceChoice c = choice.get();
    long amount;
    try {
      amount = ChargeCalculator.amountMicros(seconds * 1000L, c.unitMicros());
    } catch (ArithmeticException e) {
      return new Estimate.Unpriced(request.requestId(), model, "amount out of range");
    }
    return new Estimate.Priced(
        request.requestId(),
        model,
        account,
        tier,
        c.audio(),
        seconds,
        exact,
        c.unitMicros(),
        amount,
        c.currency(),
        c.markup());
  }
}
