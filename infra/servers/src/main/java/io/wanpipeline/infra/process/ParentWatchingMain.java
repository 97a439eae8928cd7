package io.wanpipeline.infra.process;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Arrays;

/**
 * Entry point of every child JVM started by {@link ChildJvm}: runs the real main class given as the
 * first argument, and exits the JVM (running its shutdown hooks) as soon as standard input reaches
 * end of file, which happens when the parent process dies, even by SIGKILL.
 *
 * <p>SIGINT is ignored: Ctrl-C at a terminal signals every process of the foreground group, and a
 * child (the broker) must outlive the parent's ordered stop of the services that use it. The parent
 * stops a child with SIGTERM, or by dying.
 */
public final class ParentWatchingMain {
  /** What a child prints when it receives SIGINT, which it ignores. */
  public static final String IGNORED_SIGINT =
      "SIGINT ignored: the parent process stops this one (SIGTERM, or when it exits)";

  /**
   * What a child prints when it starts with SIGINT already ignored (a parent started in the
   * background by a shell without job control, or under nohup): the JVM installs no handler then,
   * and the signal stays ignored.
   */
  public static final String SIGINT_IGNORED_FROM_START =
      "SIGINT was ignored when this process started, and stays ignored";

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
    ignoreInterrupt();
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

  /**
   * Installs a SIGINT handler that only says so (through {@code sun.misc.Signal}, by reflection: it
   * is the JDK's only signal API); where signals cannot be handled, Ctrl-C stops the child as
   * before.
   */
  private static void ignoreInterrupt() {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler =
          Proxy.newProxyInstance(
              handlerType.getClassLoader(),
              new Class<?>[] {handlerType},
              (proxy, method, args) -> {
                if (method.getName().equals("handle")) {
                  System.out.println(IGNORED_SIGINT);
                  return null;
                }
                return switch (method.getName()) {
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> IGNORED_SIGINT;
                };
              });
      Object interrupt = signal.getConstructor(String.class).newInstance("INT");
      Object before =
          signal.getMethod("handle", signal, handlerType).invoke(null, interrupt, handler);
      if (before == handlerType.getField("SIG_IGN").get(null)) {
        System.out.println(SIGINT_IGNORED_FROM_START);
      }
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      System.out.println("cannot ignore SIGINT (" + e + "); Ctrl-C stops this process at once");
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
