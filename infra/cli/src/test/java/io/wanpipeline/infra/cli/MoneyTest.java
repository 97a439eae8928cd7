package io.wanpipeline.infra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MoneyTest {
  @Test
  void showsCentsAlwaysAndFurtherDigitsOnlyWhenTheyCount() {
    assertThat(Money.of(500_000, "CNY")).isEqualTo("0.50 CNY");
    assertThat(Money.of(15_500_000, "CNY")).isEqualTo("15.50 CNY");
    assertThat(Money.of(12_500, "USD")).isEqualTo("0.0125 USD");
    assertThat(Money.of(1, "USD")).isEqualTo("0.000001 USD");
    assertThat(Money.of(0, "CNY")).isEqualTo("0.00 CNY");
    assertThat(Money.of(7_000_000_000L, "CNY")).isEqualTo("7000.00 CNY");
    assertThat(Money.amount(-250_000)).isEqualTo("-0.25");
  }
}
