package io.wanpipeline.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySettingsTest {
  private static final String URL = "https://psrc-abc12.eu-central-1.aws.confluent.cloud";

  private static Settings settings(Map<String, String> values, Map<String, String> env) {
    Map<String, String> all = new HashMap<>(values);
    all.put("schema-registry.url", URL);
    return Settings.of(all, env);
  }

  @Test
  void basicCredentialsFromTheEnvironmentBecomeABasicHeaderAndAreNeverShown() {
    RegistrySettings registry =
        RegistrySettings.from(
            settings(
                Map.of(),
                Map.of("WAN_PIPELINE_SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "SRKEY:srsecret")));

    assertThat(registry.authorization())
        .contains(
            "Basic "
                + Base64.getEncoder()
                    .encodeToString("SRKEY:srsecret".getBytes(StandardCharsets.UTF_8)));
    assertThat(registry.toString()).contains("Basic ***").doesNotContain("SRKEY", "srsecret");
    assertThat(registry.client().baseUrl().toString()).isEqualTo(URL + "/");
  }

  @Test
  void aBearerTokenFromAFileBecomesABearerHeader(@TempDir Path dir) throws Exception {
    Path token = dir.resolve("token");
    Files.writeString(token, "eyJhbGciOi.token\n");
    RegistrySettings registry =
        RegistrySettings.from(
            settings(Map.of("schema-registry.bearer-token.file", token.toString()), Map.of()));

    assertThat(registry.authorization()).contains("Bearer eyJhbGciOi.token");
    assertThat(registry.toString()).doesNotContain("eyJhbGciOi");
  }

  @Test
  void noCredentialsMeansNoHeader() {
    assertThat(RegistrySettings.from(settings(Map.of(), Map.of())).authorization()).isEmpty();
  }

  @Test
  void twoKindsOfCredentialsOrABasicOneWithoutAColonAreConfigurationErrors() {
    assertThatThrownBy(
            () ->
                RegistrySettings.from(
                    settings(
                        Map.of(
                            "schema-registry.basic-auth.user-info", "a:b",
                            "schema-registry.bearer-token", "t"),
                        Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("not both");
    assertThatThrownBy(
            () ->
                RegistrySettings.from(
                    settings(Map.of("schema-registry.basic-auth.user-info", "nocolon"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("user:password")
        .hasMessageNotContaining("nocolon");
  }

  @Test
  void aTrustStoreIsLoadedWithItsPasswordAndAnUnreadableOneIsAConfigurationError(@TempDir Path dir)
      throws Exception {
    Path store = dir.resolve("registry-ca.p12");
    KeyStore empty = KeyStore.getInstance("PKCS12");
    empty.load(null, null);
    try (OutputStream out = Files.newOutputStream(store)) {
      empty.store(out, "changeit".toCharArray());
    }
    RegistrySettings good =
        RegistrySettings.from(
            settings(
                Map.of(
                    "schema-registry.ssl.truststore.location",
                    store.toString(),
                    "schema-registry.ssl.truststore.password",
                    "changeit"),
                Map.of()));
    assertThat(good.client()).isNotNull();

    RegistrySettings wrongPassword =
        RegistrySettings.from(
            settings(
                Map.of(
                    "schema-registry.ssl.truststore.location",
                    store.toString(),
                    "schema-registry.ssl.truststore.password",
                    "not-the-password"),
                Map.of()));
    assertThatThrownBy(wrongPassword::client)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("schema-registry.ssl.truststore.location")
        .hasMessageNotContaining("not-the-password");
    assertThatThrownBy(
            () ->
                RegistrySettings.from(
                    settings(Map.of("schema-registry.ssl.truststore.type", "PEM"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("PKCS12 or JKS");
  }
}
