package io.wanpipeline.infra.simulator;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.net.URISyntaxException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The simulator is the oracle the pipeline is judged against (house style 24): it decides from its
 * own table, written from the provider's documents, and never imports the pipeline's code: not its
 * catalogue, validator, request type, status words or time formats. Its module has no dependency on
 * any module of ours; this test also catches a class reached by reflection or a copied import.
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
  void simulatorDependsOnNothingOfThePipeline() {
    noClasses()
        .that()
        .resideInAPackage(SIMULATOR)
        .should()
        .dependOnClassesThat(
            resideInAPackage("io.wanpipeline..").and(resideOutsideOfPackage(SIMULATOR)))
        .because("an oracle must not share the code it judges (house style 24)")
        .check(classes);
  }
}
