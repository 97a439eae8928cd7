package io.wanpipeline.wan.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ApiKey;
import io.wanpipeline.wan.WanClient;
import io.wanpipeline.wan.account.AccountLimits;
import io.wanpipeline.wan.account.ProviderAccount;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.account.WanClients;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.Region;
import io.wanpipeline.wan.dialect.mulerouter.MuleRouterClient;
import io.wanpipeline.wan.dialect.vtrix.VtrixClient;
import io.wanpipeline.wan.dialect.vtrix.VtrixEnvelope;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DialectRegistrationTest {

  private static final List<ApiKey> KEYS = List.of(new ApiKey("gw#0", "sk-test-123456"));

  @Test
  void muleRouterAccountGetsAMuleRouterClient() {
    WanClient c =
        WanClients.forAccount(
            new ProviderAccount(
                "mule", "mulerouter", URI.create("https://api.mulerouter.ai/"), "cn", KEYS),
            Clock.systemUTC());
    assertThat(c).isInstanceOf(MuleRouterClient.class);
    assertThat(((MuleRouterClient) c).baseUrl()).isEqualTo(URI.create("https://api.mulerouter.ai"));
  }

  @Test
  void vtrixAccountGetsAVtrixClientWithTheObjectEnvelopeByDefault() {
    WanClient c =
        WanClients.forAccount(
            new ProviderAccount("vt", "vtrix", URI.create("https://cloud.vtrix.ai"), "cn", KEYS),
            Clock.systemUTC());
    assertThat(c).isInstanceOf(VtrixClient.class);
    assertThat(((VtrixClient) c).envelope()).isEqualTo(VtrixEnvelope.OBJECT);
  }

  @Test
  void vtrixEnvelopeAndExtraModelIdsComeFromTheAccountsDialectOptions() {
    Map<String, String> settings =
        Map.of(
            "provider.accounts", "vt",
            "provider.vt.dialect", "vtrix",
            "provider.vt.base-url", "https://cloud.vtrix.ai",
            "provider.vt.envelope", "params-array",
            "provider.vt.model-ids", "wan2.6-i2v=wan26_i2v");
    ProviderAccounts accounts =
        ProviderAccounts.parse(
            k -> Optional.ofNullable(settings.get(k)),
            k -> k.equals("provider.vt.api-key") ? Optional.of("sk-x-123456") : Optional.empty());

    ProviderAccount vt = accounts.resolve("vt").orElseThrow();
    assertThat(vt.options())
        .containsEntry("envelope", "params-array")
        .containsEntry("model-ids", "wan2.6-i2v=wan26_i2v");
    VtrixClient c = (VtrixClient) WanClients.forAccount(vt, Clock.systemUTC());
    assertThat(c.envelope()).isEqualTo(VtrixEnvelope.PARAMS_ARRAY);
    assertThat(c.modelIds().gatewayId("wan2.6-i2v")).contains("wan26_i2v");
    assertThat(c.modelIds().gatewayId("wan2.2-i2v-flash")).contains("wan22_i2v_flash");
  }

  @Test
  void anUnknownEnvelopeFailsAtStartNamingTheOption() {
    ProviderAccount bad =
        new ProviderAccount(
            "vt",
            "vtrix",
            URI.create("https://cloud.vtrix.ai"),
            "cn",
            KEYS,
            AccountLimits.defaults(ModelCatalogue.standard(), Region.CN),
            Map.of("envelope", "nested"));
    assertThatThrownBy(() -> WanClients.forAccount(bad, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("envelope")
        .hasMessageContaining("params-array");
  }
}
