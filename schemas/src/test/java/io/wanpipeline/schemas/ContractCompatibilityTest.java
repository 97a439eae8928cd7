package io.wanpipeline.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.events.AccountTotal;
import io.wanpipeline.events.Charge;
import io.wanpipeline.events.Price;
import io.wanpipeline.events.RequestCommand;
import io.wanpipeline.events.TaskStatus;
import io.wanpipeline.events.VideoRequest;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract's FULL_TRANSITIVE policy (docs/contract.md) at build time: every public schema reads
 * data written with each of its kept earlier versions, and each earlier version reads data written
 * with it. A release writes each public schema, whole ({@code getClassSchema().toString(true)}), to
 * {@code compat/<Name>-<version>.avsc}.
 */
class ContractCompatibilityTest {
  private static final Map<String, Schema> CURRENT =
      Map.of(
          "VideoRequest", VideoRequest.getClassSchema(),
          "TaskStatus", TaskStatus.getClassSchema(),
          "RequestCommand", RequestCommand.getClassSchema(),
          "Charge", Charge.getClassSchema(),
          "AccountTotal", AccountTotal.getClassSchema(),
          "Price", Price.getClassSchema());

  static Stream<Path> keptVersions() throws IOException, URISyntaxException {
    Path dir =
        Path.of(
            ContractCompatibilityTest.class.getResource("/io/wanpipeline/schemas/compat").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList().stream();
    }
  }

  @ParameterizedTest
  @MethodSource("keptVersions")
  void theCurrentSchemaAndAKeptVersionReadEachOther(Path kept) throws IOException {
    String name = kept.getFileName().toString().split("-")[0];
    Schema current = CURRENT.get(name);
    assertThat(current).as("a public schema named %s", name).isNotNull();
    Schema earlier = new Schema.Parser().parse(kept.toFile());
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(current, earlier).getType())
        .as("the current %s reads %s", name, kept.getFileName())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(earlier, current).getType())
        .as("%s reads the current %s", kept.getFileName(), name)
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void everyPublicSchemaHasAKeptVersion() throws Exception {
    List<String> kept =
        keptVersions().map(p -> p.getFileName().toString().split("-")[0]).distinct().toList();
    assertThat(kept).containsAll(CURRENT.keySet());
  }
}
