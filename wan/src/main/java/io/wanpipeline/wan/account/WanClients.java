package io.wanpipeline.wan.account;

import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.dashscope.DashScopeClient;
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
      case "mulerouter" ->
          MuleRouterClient.builder().baseUrl(account.baseUrl()).clock(clock).build();
      case "vtrix" ->
          VtrixClient.builder()
              .baseUrl(account.baseUrl())
              .options(account.options())
              .clock(clock)
              .build();
      default ->
          throw new IllegalArgumentException(
              "provider account "
                  + account.name()
                  + ": dialect '"
                  + account.dialect()
                  + "' is not supported; supported: dashscope");
    };
  }
}
