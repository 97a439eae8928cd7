package io.wanpipeline.wan.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.ApiKey;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProviderAccountsTest {

  /** Plain settings and secrets, as the services' Settings would hand them over. */
  private static final class Config {
    final Map<String, String> settings = new HashMap<>();
    final Map<String, String> secrets = new HashMap<>();

    Config set(String key, String value) {
      settings.put(key, value);
      return this;
    }

    Config secret(String key, String value) {
      secrets.put(key, value);
      return this;
    }

    ProviderAccounts parse() {
      return ProviderAccounts.parse(
          k -> Optional.ofNullable(settings.get(k)), k -> Optional.ofNullable(secrets.get(k)));
    }
  }

  private static Config oneAccount() {
    return new Config().secret("provider.default.api-key", "sk-one");
  }

  private static void rejected(Config config, String key, String... fragments) {
    assertThatThrownBy(config::parse)
        .as(key)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(key + ":")
        .satisfies(
            e -> {
              for (String fragment : fragments) {
                assertThat(e.getMessage()).contains(fragment);
              }
            });
  }

  @Test
  void defaultsAreOneDashScopeAccountInBeijingWithTheProtocolLimits() {
    ProviderAccount a = oneAccount().parse().defaultAccount();

    assertThat(a.name()).isEqualTo("default");
    assertThat(a.dialect()).isEqualTo("dashscope");
    assertThat(a.region()).isEqualTo("cn");
    assertThat(a.baseUrl()).isEqualTo(URI.create("https://dashscope.aliyuncs.com"));
    assertThat(a.keys()).containsExactly(new ApiKey("default#0", "sk-one"));
    assertThat(a.limits().queryRate()).as("docs/protocol.md 1.9: 20 QPS").isEqualTo(20.0);
    assertThat(a.limits().submitRate("wan2.2-i2v-flash")).isEqualTo(2.0);
    assertThat(a.limits().maxInProgress("wan2.2-i2v-flash")).isEqualTo(2);
    assertThat(a.limits().submitRate("wan2.2-s2v")).isEqualTo(5.0);
    assertThat(a.limits().maxInProgress("wan2.2-s2v")).isEqualTo(1);
    assertThat(a.limits().maxInProgress("wan2.7-i2v")).isEqualTo(5);
    assertThat(a.limits().submitRate("happyhorse-1.0-t2v")).isEqualTo(10.0);
  }

  @Test
  void regionChoosesTheDocumentedDashScopeHostAndTheRegionsLimits() {
    ProviderAccounts accounts =
        new Config()
            .set("provider.accounts", "cn, sg,us")
            .secret("provider.cn.api-key", "sk-cn")
            .set("provider.sg.region", "singapore")
            .secret("provider.sg.api-key", "sk-sg")
            .set("provider.us.region", "US")
            .secret("provider.us.api-key", "sk-us")
            .parse();

    assertThat(accounts.resolve("cn").orElseThrow().baseUrl())
        .isEqualTo(URI.create("https://dashscope.aliyuncs.com"));
    ProviderAccount sg = accounts.resolve("sg").orElseThrow();
    assertThat(sg.region()).as("aliases are stored as the code").isEqualTo("intl");
    assertThat(sg.baseUrl()).isEqualTo(URI.create("https://dashscope-intl.aliyuncs.com"));
    assertThat(sg.limits().submitRate("wan2.1-kf2v-plus"))
        .as("Singapore's own wan2.1-kf2v-plus limit")
        .isEqualTo(1.0);
    assertThat(accounts.resolve("us").orElseThrow().baseUrl())
        .isEqualTo(URI.create("https://dashscope-us.aliyuncs.com"));
    assertThat(accounts.resolve(null)).contains(accounts.resolve("cn").orElseThrow());
  }

  @Test
  void anExplicitBaseUrlWinsAndLosesItsTrailingSlash() {
    ProviderAccount a =
        oneAccount()
            .set("provider.default.region", "eu")
            .set("provider.default.base-url", "https://ws-1.eu-central-1.maas.aliyuncs.com/")
            .parse()
            .defaultAccount();

    assertThat(a.region()).isEqualTo("eu");
    assertThat(a.baseUrl()).isEqualTo(URI.create("https://ws-1.eu-central-1.maas.aliyuncs.com"));
  }

  @Test
  void frankfurtAndGatewaysNeedABaseUrl() {
    rejected(
        oneAccount().set("provider.default.region", "eu"),
        "provider.default.base-url",
        "region eu",
        "WorkspaceId");
    rejected(
        oneAccount().set("provider.default.dialect", "apiyi"),
        "provider.default.base-url",
        "dialect apiyi");
  }

  @Test
  void everyDialectNameIsAcceptedEvenBeforeItsClientExists() {
    for (String dialect : ProviderAccounts.DIALECTS) {
      ProviderAccount a =
          oneAccount()
              .set("provider.default.dialect", dialect.toUpperCase(java.util.Locale.ROOT))
              .set("provider.default.base-url", "https://gateway.example.com/prefix")
              .parse()
              .defaultAccount();
      assertThat(a.dialect()).isEqualTo(dialect);
      assertThat(a.baseUrl()).isEqualTo(URI.create("https://gateway.example.com/prefix"));
    }
    assertThat(oneAccount().set("provider.default.dialect", "native").parse().defaultAccount())
        .extracting(ProviderAccount::dialect)
        .isEqualTo("dashscope");
  }

  @Test
  void unknownDialectIsRejectedNamingTheKeyAndTheSupportedOnes() {
    rejected(
        oneAccount().set("provider.default.dialect", "openai"),
        "provider.default.dialect",
        "openai",
        "dashscope, crazyrouter, apiyi, mulerouter, vtrix");
  }

  @Test
  void unknownRegionIsRejected() {
    rejected(
        oneAccount().set("provider.default.region", "mars"), "provider.default.region", "mars");
  }

  @Test
  void malformedBaseUrlsAreRejectedWithoutEchoingThem() {
    String[][] cases = {
      {"not a url", "not a valid URL"},
      {"ftp://dashscope.aliyuncs.com", "http or https"},
      {"dashscope.aliyuncs.com", "http or https"},
      {"https:///api", "no host"},
      {"https://user:secret@dashscope.aliyuncs.com", "credentials"},
      {"https://dashscope.aliyuncs.com?x=1", "query"},
      {"https://dashscope.aliyuncs.com/api/v1", "/api/v1"}
    };
    for (String[] c : cases) {
      Config config = oneAccount().set("provider.default.base-url", c[0]);
      rejected(config, "provider.default.base-url", c[1]);
      assertThatThrownBy(config::parse).message().doesNotContain("secret");
    }
  }

  @Test
  void aMissingKeyIsRejectedNamingTheKeyAndItsFile() {
    rejected(new Config(), "provider.default.api-key", "provider.default.api-key.file");
    rejected(
        new Config().secret("provider.default.api-key", " , - ,"),
        "provider.default.api-key",
        "no API key");
  }

  @Test
  void aKeyWithWhiteSpaceIsRejectedWithoutEchoingIt() {
    Config config = new Config().secret("provider.default.api-key", "Bearer sk-secret-1");
    rejected(config, "provider.default.api-key", "entry 0");
    assertThatThrownBy(config::parse).message().doesNotContain("sk-secret-1");
  }

  @Test
  void keysAreReferencedByPositionAndNewTasksUseTheLast() {
    ProviderAccount a =
        new Config()
            .set("provider.accounts", "cn-main")
            .secret("provider.cn-main.api-key", "sk-old, sk-new")
            .parse()
            .defaultAccount();

    assertThat(a.keys())
        .containsExactly(new ApiKey("cn-main#0", "sk-old"), new ApiKey("cn-main#1", "sk-new"));
    assertThat(a.submitKey().ref()).isEqualTo("cn-main#1");
  }

  @Test
  void addingAKeyAtTheEndOrRetiringOneKeepsTheOtherReferences() {
    Config before = new Config().secret("provider.default.api-key", "sk-a,sk-b");
    Config added = new Config().secret("provider.default.api-key", "sk-a,sk-b,sk-c");
    Config retired = new Config().secret("provider.default.api-key", "-,sk-b,sk-c");

    assertThat(before.parse().key("default#1")).map(ApiKey::secret).contains("sk-b");
    assertThat(added.parse().key("default#1")).map(ApiKey::secret).contains("sk-b");
    assertThat(added.parse().defaultAccount().submitKey().secret()).isEqualTo("sk-c");
    ProviderAccounts after = retired.parse();
    assertThat(after.key("default#0")).isEmpty();
    assertThat(after.key("default#1")).map(ApiKey::secret).contains("sk-b");
    assertThat(after.key("default#2")).map(ApiKey::secret).contains("sk-c");
  }

  @Test
  void aKeyFileHoldsOneKeyPerLine() {
    // Settings.secret hands over the file's trimmed contents.
    ProviderAccount a =
        new Config().secret("provider.default.api-key", "sk-a\r\n-\nsk-c").parse().defaultAccount();

    assertThat(a.keys())
        .containsExactly(new ApiKey("default#0", "sk-a"), new ApiKey("default#2", "sk-c"));
  }

  @Test
  void limitsAreOverriddenPerAccountAndPerModel() {
    ProviderAccount a =
        oneAccount()
            .set("provider.default.query-rate", "12.5")
            .set("provider.default.model.wan2.2-i2v-flash.submit-rate", "0.5")
            .set("provider.default.model.wan2.2-i2v-flash.max-in-progress", "8")
            .set("provider.default.model.wan2.6-i2v.max-in-progress", "3")
            .parse()
            .defaultAccount();

    assertThat(a.limits().queryRate()).isEqualTo(12.5);
    assertThat(a.limits().submitRate("wan2.2-i2v-flash")).isEqualTo(0.5);
    assertThat(a.limits().maxInProgress("wan2.2-i2v-flash")).isEqualTo(8);
    assertThat(a.limits().submitRate("wan2.6-i2v")).as("not overridden").isEqualTo(5.0);
    assertThat(a.limits().maxInProgress("wan2.6-i2v")).isEqualTo(3);
    assertThat(a.limits().submitRate("wan2.2-kf2v-flash")).isEqualTo(2.0);
  }

  @Test
  void queueAheadIsNoneUnlessConfiguredAndBoundedByItsLimit() {
    assertThat(oneAccount().parse().defaultAccount().limits().queueAhead()).isZero();
    AccountLimits ahead =
        oneAccount().set("provider.default.queue-ahead", "2").parse().defaultAccount().limits();
    assertThat(ahead.queueAhead()).isEqualTo(2);
    assertThat(ahead.admitted("wan2.2-i2v-flash"))
        .isEqualTo(ahead.maxInProgress("wan2.2-i2v-flash") + 2);
    for (String bad : new String[] {"-1", "101", "1.5", "many"}) {
      rejected(
          oneAccount().set("provider.default.queue-ahead", bad), "provider.default.queue-ahead");
    }
    assertThat(
            oneAccount()
                .set("provider.default.queue-ahead", "100")
                .parse()
                .defaultAccount()
                .limits()
                .queueAhead())
        .isEqualTo(AccountLimits.MAX_QUEUE_AHEAD);
  }

  @Test
  void nonPositiveOrUnreadableLimitsAreRejectedNamingTheKey() {
    String[][] cases = {
      {"provider.default.query-rate", "0"},
      {"provider.default.query-rate", "-1"},
      {"provider.default.query-rate", "fast"},
      {"provider.default.query-rate", "NaN"},
      {"provider.default.query-rate", "Infinity"},
      {"provider.default.model.wan2.2-i2v-flash.submit-rate", "0"},
      {"provider.default.model.wan2.2-i2v-flash.max-in-progress", "0"},
      {"provider.default.model.wan2.2-i2v-flash.max-in-progress", "1.5"}
    };
    for (String[] c : cases) {
      rejected(oneAccount().set(c[0], c[1]), c[0]);
    }
  }

  @Test
  void aModelOutsideTheCatalogueGetsTheMostCautiousLimits() {
    AccountLimits limits = oneAccount().parse().defaultAccount().limits();
    assertThat(limits.submitRate("wan9-i2v")).isEqualTo(1.0);
    assertThat(limits.maxInProgress("wan9-i2v")).isEqualTo(1);
    assertThat(limits.maxInProgress(null)).isEqualTo(1);
  }

  @Test
  void aModelNotOfferedInTheRegionGetsItsLowestLimitsElsewhere() {
    AccountLimits intl =
        oneAccount().set("provider.default.region", "intl").parse().defaultAccount().limits();
    assertThat(intl.submitRate("wan2.2-i2v-flash")).isEqualTo(2.0);
    assertThat(intl.maxInProgress("wan2.2-s2v")).isEqualTo(1);
  }

  @Test
  void accountNamesAndTheDefaultAreValidated() {
    rejected(new Config().set("provider.accounts", " , "), "provider.accounts", "no account");
    rejected(
        new Config().set("provider.accounts", "a.b").secret("provider.a.b.api-key", "k"),
        "provider.accounts",
        "a.b");
    rejected(
        new Config().set("provider.accounts", "a,a").secret("provider.a.api-key", "k"),
        "provider.accounts",
        "twice");
    rejected(oneAccount().set("provider.default-account", "other"), "provider.default-account");
  }

  @Test
  void keysAreFoundByReferenceAcrossAccounts() {
    ProviderAccounts accounts =
        new Config()
            .set("provider.accounts", "a,b")
            .secret("provider.a.api-key", "sk-a")
            .secret("provider.b.api-key", "sk-b0,sk-b1")
            .parse();

    assertThat(accounts.key("b#1")).map(ApiKey::secret).contains("sk-b1");
    assertThat(accounts.key("a#1")).isEmpty();
    assertThat(accounts.key("c#0")).isEmpty();
    assertThat(accounts.key(null)).isEmpty();
    assertThat(accounts.key("b#0").orElseThrow().toString()).doesNotContain("sk-b0");
  }
}
