package io.wanpipeline.wan.account;

import io.wanpipeline.wan.catalogue.Phrases;
import io.wanpipeline.wan.dialect.vtrix.VtrixClient;
import io.wanpipeline.wan.dialect.vtrix.VtrixModelIds;
import java.util.Locale;
import java.util.Optional;

/**
 * Decides, before any call, whether an account's dialect can name a model at all. Only a gateway
 * that addresses models by ids of its own can refuse a catalogued model this way: Vtrix takes just
 * the models of its id table ({@link VtrixModelIds}, documented ids plus the account's {@value
 * VtrixModelIds#OPTION} pairs). The other dialects send our model id as it is (DashScope,
 * Crazyrouter and APIYI in the body, MuleRouter in the path); whether their gateway serves it for a
 * key is the gateway's answer (Crazyrouter's {@code model_not_found}), which no table here knows.
 */
public final class DialectModels {
  private DialectModels() {}

  /**
   * Why {@code account}'s dialect cannot request {@code model}, or empty when it can.
   *
   * @throws IllegalArgumentException naming the option when a Vtrix account's {@value
   *     VtrixModelIds#OPTION} is not {@code ours=theirs} pairs (configuration checks this at start)
   */
  public static Optional<String> refusal(ProviderAccount account, String model) {
    if (!account.dialect().toLowerCase(Locale.ROOT).equals(VtrixClient.DIALECT)) {
      return Optional.empty();
    }
    VtrixModelIds ids = VtrixModelIds.of(account.options());
    if (ids.gatewayId(model).isPresent()) {
      return Optional.empty();
    }
    return Optional.of(
        "provider account "
            + account.name()
            + " (vtrix) has no Vtrix model id for "
            + Phrases.echo(model)
            + "; known: "
            + String.join(", ", ids.ourIds())
            + " (add one with provider."
            + account.name()
            + "."
            + VtrixModelIds.OPTION
            + ")");
  }
}
