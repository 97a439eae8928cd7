package io.wanpipeline.wan.dialect.vtrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.wan.GenerationRequest;
import io.wanpipeline.wan.dialect.DialectFixtures;
import io.wanpipeline.wan.testing.GenerationRequestBuilder;
import org.junit.jupiter.api.Test;

class VtrixBodyTest {

  private static final GenerationRequest FLASH =
      GenerationRequestBuilder.model("wan2.2-i2v-flash")
          .prompt("a cat turns its head")
          .imgUrl("https://example.com/cat.png")
          .resolution("480P")
          .duration(5)
          .promptExtend(true)
          .watermark(false)
          .seed(42L)
          .build();

  @Test
  void objectEnvelopeIsTheModelPagesFormUnderVtrixsModelId() {
    assertThat(
            DialectFixtures.wire(
                VtrixBody.of(
                    FLASH, "wan22_i2v_flash", VtrixEnvelope.OBJECT, DialectFixtures.MAPPER)))
        .isEqualTo(DialectFixtures.json("vtrix", "create-request-object.json"));
  }

  @Test
  void paramsArrayEnvelopeNestsTheWanObjectInsideParams() {
    assertThat(
            DialectFixtures.wire(
                VtrixBody.of(
                    FLASH, "wan22_i2v_flash", VtrixEnvelope.PARAMS_ARRAY, DialectFixtures.MAPPER)))
        .isEqualTo(DialectFixtures.json("vtrix", "create-request-params-array.json"));
  }

  @Test
  void envelopeWordsAreParsedAndUnknownOnesNameTheOption() {
    assertThat(VtrixEnvelope.parse(" Params_Array ")).isEqualTo(VtrixEnvelope.PARAMS_ARRAY);
    assertThat(VtrixEnvelope.parse("object")).isEqualTo(VtrixEnvelope.OBJECT);
    assertThatThrownBy(() -> VtrixEnvelope.parse("flat"))
        .hasMessageContaining("'envelope'")
        .hasMessageContaining("flat");
  }
}
