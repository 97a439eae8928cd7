package io.wanpipeline.infra.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wanpipeline.events.Priority;
import io.wanpipeline.events.VideoRequest;
import io.wanpipeline.submitter.RequestChecks;
import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchFileTest {
  private static final String IMAGE = "\"img_url\":\"https://example.com/cat.png\"";
  private static final ProviderAccounts ACCOUNTS =
      ProviderAccounts.parse(
          key -> Optional.ofNullable(Map.of("provider.accounts", "cn-main").get(key)),
          key -> Optional.of("unused"));
  private static final RequestChecks CHECKS = new RequestChecks(ModelCatalogue.standard());

  @TempDir Path dir;

  private static String line(String customId, String extra) {
    return "{\"custom_id\":\""
        + customId
        + "\",\"model\":\"wan2.2-i2v-flash\",\"input\":{"
        + IMAGE
        + "},\"parameters\":{\"resolution\":\"480P\",\"duration\":5}"
        + extra
        + "}";
  }

  private BatchFile read(String text, String account) throws Exception {
    Path file = dir.resolve("batch.jsonl");
    Files.writeString(file, text);
    return BatchFile.read(file, "nightly-7", account, ACCOUNTS, CHECKS);
  }

  @Test
  void derivesRequestIdsPriorityAndMetadataFromTheBatchAndTheLine() throws Exception {
    BatchFile batch =
        read(
            line("a1", ",\"account_id\":\"acme\",\"metadata\":{\"team\":\"video\"}")
                + "\n\n"
                + line("a2", ""),
            "default-team");

    assertThat(batch.errors()).isEmpty();
    assertThat(batch.lines()).extracting(BatchFile.Line::line).containsExactly(1, 3);
    VideoRequest first = batch.lines().get(0).request();
    assertThat(first.getRequestId()).isEqualTo("nightly-7.a1");
    assertThat(first.getAccountId()).isEqualTo("acme");
    assertThat(first.getPriority()).isEqualTo(Priority.BATCH);
    assertThat(first.getMetadata())
        .isEqualTo(Map.of("team", "video", "batch_id", "nightly-7", "custom_id", "a1"));
    assertThat(batch.lines().get(1).request().getAccountId())
        .as("--account for a line without one")
        .isEqualTo("default-team");
    assertThat(batch.lines().get(1).account().name()).isEqualTo("cn-main");
  }

  @Test
  void reportsEveryLineItCannotTakeWithItsNumberFieldAndReason() throws Exception {
    String text =
        String.join(
            "\n",
            line("ok", ""),
            "{\"model\":\"wan2.2-i2v-flash\"}",
            line("ok", ""),
            line("has-id", ",\"request_id\":\"mine\""),
            line("live", ",\"priority\":\"LIVE\""),
            line("sharp", "").replace("480P", "1080P"),
            line("typo", ",\"parameter\":{}"),
            line("elsewhere", ",\"provider_account\":\"apiyi\""),
            "not json",
            line("bad id!", ""),
            line("tagged", ",\"metadata\":{\"batch_id\":\"x\"}"));

    BatchFile batch = read(text, "acme");

    assertThat(batch.lines()).extracting(BatchFile.Line::customId).containsExactly("ok");
    assertThat(batch.errors())
        .extracting(
            e -> e.toString().startsWith("line 9: not JSON") ? "line 9: not JSON" : e.toString())
        .containsExactly(
            "line 2, custom_id: required: a string naming the line",
            "line 3, custom_id: 'ok' is already line 1's",
            "line 4, request_id: leave it out: it is derived from the batch id and custom_id"
                + " (nightly-7.has-id)",
            "line 5, priority: a batch's requests are BATCH",
            "line 6, parameters.resolution: wan2.2-i2v-flash supports 480P and 720P, not 1080P",
            "line 7, parameter: no such field in VideoRequest",
            "line 8, provider_account: unknown provider account 'apiyi'; configured: [cn-main]",
            "line 9: not JSON",
            "line 10, custom_id: must be 1-128 characters of [A-Za-z0-9._:-]",
            "line 11, metadata: batch_id and custom_id are set by the batch");
  }

  @Test
  void aLineWithoutAnAccountNeedsTheAccountOption() throws Exception {
    BatchFile batch = read(line("a1", ""), null);

    assertThat(batch.errors())
        .extracting(Object::toString)
        .containsExactly("line 1, account_id: required");
  }

  @Test
  void theDefaultBatchIdIsTheSameForTheSameFileAndOtherForAnother() throws Exception {
    Path a = Files.writeString(dir.resolve("a.jsonl"), line("a1", ""));
    Path b = Files.writeString(dir.resolve("b.jsonl"), line("a1", ""));
    Path c = Files.writeString(dir.resolve("c.jsonl"), line("a2", ""));

    assertThat(BatchFile.defaultBatchId(a))
        .matches("b-[0-9a-f]{16}")
        .isEqualTo(BatchFile.defaultBatchId(b));
    assertThat(BatchFile.defaultBatchId(c)).isNotEqualTo(BatchFile.defaultBatchId(a));
  }

  @Test
  void refusesABatchIdOutsideTheGrammarAndAFileOverTheLineLimit() throws Exception {
    Path file = Files.writeString(dir.resolve("one.jsonl"), line("a1", ""));
    assertThatThrownBy(() -> BatchFile.read(file, "no spaces", "acme", ACCOUNTS, CHECKS))
        .hasMessageContaining("batch id 'no spaces'");

    StringBuilder big = new StringBuilder();
    for (int i = 0; i <= BatchFile.MAX_LINES; i++) {
      big.append("{}\n");
    }
    Path huge = Files.writeString(dir.resolve("huge.jsonl"), big);
    assertThatThrownBy(() -> BatchFile.read(huge, "big", "acme", ACCOUNTS, CHECKS))
        .hasMessageContaining("more than " + BatchFile.MAX_LINES + " requests");
  }
}
