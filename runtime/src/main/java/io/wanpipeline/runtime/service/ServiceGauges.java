package io.wanpipeline.runtime.service;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A service's own gauges, exported over JMX (next to the Kafka clients' metrics, where a JMX or
 * Prometheus exporter collects them) as read-only long attributes of one MBean named {@code
 * io.wanpipeline:type=<service>,id=<instance id>}. Several instances in one JVM get {@code id},
 * {@code id-2}, ... Closing unregisters it.
 */
public final class ServiceGauges implements AutoCloseable {
  /** The JMX domain of the pipeline's own gauges. */
  public static final String DOMAIN = "io.wanpipeline";

  private static final int MAX_SAME_ID = 100;

  private final MBeanServer server;
  private final ObjectName name;

  private ServiceGauges(MBeanServer server, ObjectName name) {
    this.server = server;
    this.name = name;
  }

  /**
   * Registers {@code gauges} (attribute name to its reading, read at each JMX request) on the
   * platform MBean server.
   *
   * @throws IllegalStateException if JMX refuses the MBean
   */
  public static ServiceGauges register(
      String service, String instanceId, Map<String, LongSupplier> gauges) {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(instanceId, "instanceId");
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    Gauges bean = new Gauges(service, new LinkedHashMap<>(gauges));
    for (int n = 1; n <= MAX_SAME_ID; n++) {
      String id = n == 1 ? instanceId : instanceId + "-" + n;
      try {
        ObjectName name =
            new ObjectName(
                DOMAIN + ":type=" + ObjectName.quote(service) + ",id=" + ObjectName.quote(id));
        server.registerMBean(bean, name);
        return new ServiceGauges(server, name);
      } catch (InstanceAlreadyExistsException e) {
        // another instance of the service in this JVM: try the next id
      } catch (JMException e) {
        throw new IllegalStateException("cannot register the " + service + " gauges: " + e, e);
      }
    }
    throw new IllegalStateException(
        "cannot register the "
            + service
            + " gauges: "
            + MAX_SAME_ID
            + " instances named "
            + instanceId);
  }

  /** The MBean's name. */
  public ObjectName name() {
    return name;
  }

  @Override
  public void close() {
    try {
      server.unregisterMBean(name);
    } catch (InstanceNotFoundException e) {
      // already gone
    } catch (JMException e) {
      throw new IllegalStateException("cannot unregister " + name + ": " + e, e);
    }
  }

  /** The MBean: each gauge is a read-only {@code long} attribute. */
  private static final class Gauges implements DynamicMBean {
    private final String service;
    private final Map<String, LongSupplier> gauges;

    Gauges(String service, Map<String, LongSupplier> gauges) {
      this.service = service;
      this.gauges = gauges;
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
      LongSupplier gauge = gauges.get(attribute);
      if (gauge == null) {
        throw new AttributeNotFoundException(attribute);
      }
      return gauge.getAsLong();
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
      throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
      AttributeList list = new AttributeList();
      for (String a : attributes) {
        LongSupplier gauge = gauges.get(a);
        if (gauge != null) {
          list.add(new Attribute(a, gauge.getAsLong()));
        }
      }
      return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
      return new AttributeList();
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) {
      throw new UnsupportedOperationException("no operations: " + actionName);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
      MBeanAttributeInfo[] attributes =
          gauges.keySet().stream()
              .map(a -> new MBeanAttributeInfo(a, "long", a, true, false, false))
              .toArray(MBeanAttributeInfo[]::new);
      return new MBeanInfo(
          Gauges.class.getName(),
          "wan-pipeline " + service + " gauges",
          attributes,
          null,
          null,
          null);
    }
  }
}
