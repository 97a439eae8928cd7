package io.wanpipeline.infra.simulator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.wanpipeline.wan.GenerationRequest;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulator is the oracle the pipeline is judged against (house style 24): it decides from its
 * own table, written from the provider's documents, and never imports the pipeline's catalogue,
 * validator or rate limiter, nor reads create calls into the pipeline's request type.
 */
class SimulatorIndependenceTest {
  private static final String SIMULATOR = "io.wanpipeline.infra.simulator..";
  private static JavaClasses classes;

  /** Imports the simulator's compiled classes only (scanning the whole classpath is slow). */
  @BeforeAll
  static void importSimulatorClasses() throws URISyntaxException {
    Path root =
        Path.of(WanSimulator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path simulator = root.resolve(WanSimulator.class.getPackageName().replace('.', '/'));
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPath(simulator);
    assertThat(classes.contain(WanSimulator.class))
        .as("the simulator's classes are imported")
        .isTrue();
  }

  @Test
  void simulatorUsesNeitherThePipelinesCatalogueNorItsValidatorNorItsRateLimiter() {
    noClasses()
        .that()
        .resideInAPackage(SIMULATOR)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.wanpipeline.wan.catalogue..",
            "io.wanpipeline.wan.validation..",
            "io.wanpipeline.wan.rate..")
        .because("an oracle must not share the code it judges (house style 24)")
        .check(classes);
  }

  @Test
  void onlyTheInProcessClientTouchesThePipelinesRequestType() {
    noClasses()
        .that()
        .resideInAPackage(SIMULATOR)
        .and()
        .doNotHaveSimpleName("BoardClient")
        .should()
        .dependOnClassesThat()
        .belongToAnyOf(GenerationRequest.class)
        .because("the simulator judges the wire JSON, read into its own CreateBody")
        .check(classes);
  }
}
