package io.wanpipeline.wan.dialect.vtrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class VtrixModelIdsTest {

  @Test
  void documentedIdsMapBothWays() {
    VtrixModelIds ids = VtrixModelIds.standard();
    assertThat(ids.gatewayId("wan2.2-i2v-flash")).contains("wan22_i2v_flash");
    assertThat(ids.gatewayId("wan2.2-t2v-plus")).contains("wan22_t2v_plus");
    assertThat(ids.gatewayId("wan2.5-i2v-preview")).contains("wan25_i2v_preview_intl");
    assertThat(ids.ourId("wan22_i2v_flash")).contains("wan2.2-i2v-flash");
    assertThat(ids.ourId("wan22_t2v_plus")).contains("wan2.2-t2v-plus");
    assertThat(ids.ourId("wan25_i2v_preview_intl")).contains("wan2.5-i2v-preview");
  }

  @Test
  void undocumentedModelsAreNotGuessed() {
    assertThat(VtrixModelIds.standard().gatewayId("wan2.6-i2v")).isEmpty();
    assertThat(VtrixModelIds.standard().gatewayId(null)).isEmpty();
    assertThat(VtrixModelIds.standard().ourId("wan26_i2v")).isEmpty();
  }

  @Test
  void optionAddsAndReplacesPairsAndRefusesMalformedOnes() {
    VtrixModelIds ids =
        VtrixModelIds.standard()
            .with("wan2.6-i2v = wan26_i2v, wan2.2-i2v-flash=wan22_i2v_flash_v2");
    assertThat(ids.gatewayId("wan2.6-i2v")).contains("wan26_i2v");
    assertThat(ids.gatewayId("wan2.2-i2v-flash")).contains("wan22_i2v_flash_v2");
    assertThat(ids.ourId("wan22_i2v_flash")).isEmpty();
    assertThatThrownBy(() -> VtrixModelIds.standard().with("wan2.6-i2v"))
        .hasMessageContaining("'model-ids'");
    assertThatThrownBy(() -> VtrixModelIds.standard().with("a=x,b=x")).hasMessageContaining("x");
  }
}
