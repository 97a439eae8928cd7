package io.wanpipeline.wan.account;

import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.dashscope.DashScopeClient;
import io.wanpipeline.wan.dialect.apiyi.ApiyiClient;
import io.wanpipeline.wan.dialect.crazyrouter.CrazyrouterClient;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterClient;
import io.wanpipeline.wan.dialect.vtrix.VtrixClient;
import java.time.Clock;
import java.util.Locale;

/** Makes the provider client of a configured account, by its dialect. */
public final class WanClients {
  private WanClients() {}

  /**
   * The client of {@code account}.
   *
   * @throws IllegalArgumentException naming the account when its dialect is not supported
   */
  public static WanClient forAccount(ProviderAccount account, Clock clock) {
    return switch (account.dialect().toLowerCase(Locale.ROOT)) {
      case "dashscope", "native" ->
          DashScopeClient.builder()
              .baseUrl(account.baseUrl())
              .endpoints(DashScopeClient.endpointsOf(ModelCatalogue.standard()))
              .clock(clock)
              .build();
      case CrazyrouterClient.DIALECT -> CrazyrouterClient.of(account.baseUrl(), clock);
      case ApiyiClient.DIALECT -> ApiyiClient.of(account.baseUrl(), clock);
      case MuleRouterClient.DIALECT -> MuleRouterClient.of(account.baseUrl(), clock);
      case VtrixClient.DIALECT -> VtrixClient.of(account.baseUrl(), account.options(), clock);
      default ->
          throw new IllegalArgumentException(
              "provider account "
                  + account.name()
                  + ": dialect '"
                  + account.dialect()
                  + "' is not supported; supported: "
                  + String.join(", ", ProviderAccounts.DIALECTS));
    };
  }
}
