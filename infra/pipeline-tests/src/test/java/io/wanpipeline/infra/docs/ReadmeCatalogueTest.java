package io.wanpipeline.infra.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.wanpipeline.wan.account.ProviderAccounts;
import io.wanpipeline.wan.catalogue.ModelCatalogue;
import io.wanpipeline.wan.catalogue.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's provider and model tables list everything the code supports, and nothing else. */
class ReadmeCatalogueTest {
  private static String readme() throws Exception {
    return Files.readString(Path.of("..", "..", "README.md"));
  }

  @Test
  void everyCatalogueModelHasARowInTheReadme() throws Exception {
    String readme = readme();
    for (ModelSpec model : ModelCatalogue.standard().all()) {
      assertThat(readme).as("README row for %s", model.id()).contains("| `" + model.id() + "` |");
    }
  }

  @Test
  void everyReadmeModelRowIsInTheCatalogue() throws Exception {
    ModelCatalogue catalogue = ModelCatalogue.standard();
    readme()
        .lines()
        .filter(line -> line.matches("\\| `[a-z0-9.\\-]+` \\| [A-Z0-9]+ \\|.*"))
        .map(line -> line.substring(3, line.indexOf('`', 3)))
        .forEach(id -> assertThat(catalogue.find(id)).as("catalogue entry for %s", id).isPresent());
  }

  @Test
  void everySupportedDialectIsDocumented() throws Exception {
    String readme = readme();
    for (String dialect : ProviderAccounts.DIALECTS) {
      if (!dialect.equals("native")) {
        assertThat(readme)
            .as("README row for dialect %s", dialect)
            .contains("| `" + dialect + "` |");
      }
    }
  }
}
