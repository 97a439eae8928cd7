package io.wanpipeline.infra.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM started by {@link ChildJvm}: runs the real main class given as the
 * first argument, and exits the JVM (running its shutdown hooks) as soon as standard input reaches
 * end of file, which happens when the parent process dies, even by SIGKILL.
 */
public final class ParentWatchingMain {
  private ParentWatchingMain() {}

  /**
   * Runs {@code args[0]}'s {@code main} with the remaining arguments.
   *
   * @param args the main class name followed by its arguments
   * @throws Throwable whatever the real main throws
   */
  public static void main(String[] args) throws Throwable {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: ParentWatchingMain <main class> [args...]");
    }
    Thread watcher = new Thread(ParentWatchingMain::exitWhenParentIsGone, "parent-watch");
    watcher.setDaemon(true);
    watcher.start();
    Method main = Class.forName(args[0]).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  private static void exitWhenParentIsGone() {
    InputStream in = System.in;
    try {
      while (in.read() != -1) {
        // The parent never writes; anything it sends is ignored.
      }
    } catch (IOException e) {
      // A broken pipe means the parent is gone, the same as end of file.
    }
    System.exit(0);
  }
}
