package dev.servicemanager.controlplane;

import dev.servicemanager.controlplane.channel.FeedbackListener;
import dev.servicemanager.controlplane.channel.StatePublisher;
import dev.servicemanager.controlplane.reconcile.ReconcileEngine;
import dev.servicemanager.controlplane.state.RuntimeId;
import dev.servicemanager.controlplane.state.RuntimeView;
import dev.servicemanager.controlplane.state.StateStore;
import dev.servicemanager.controlplane.state.Target;
import dev.servicemanager.controlplane.web.Events;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin's service: starts its parts in order (migrations, configured runtimes, state channel,
 * feedback, reconcilers) and carries out the commands. Every stored change is announced to the page,
 * wakes the publisher and triggers the reconciler; none of them runs on the caller's thread.
 */
@Context
@Requires(property = "control-plane.enabled", notEquals = "false")
public final class ControlPlane {
  private static final Logger LOG = LoggerFactory.getLogger(ControlPlane.class);

  private final StateStore store;
  private final StatePublisher publisher;
  private final FeedbackListener feedback;
  private final ReconcileEngine engine;
  private final Events events;
  private final Collection<RuntimeConfig> configured;

  ControlPlane(StateStore store, StatePublisher publisher, FeedbackListener feedback, ReconcileEngine engine,
      Events events, Collection<RuntimeConfig> configured) {
    this.store = store;
    this.publisher = publisher;
    this.feedback = feedback;
    this.engine = engine;
    this.events = events;
    this.configured = List.copyOf(configured);
  }

  @PostConstruct
  void start() {
    store.migrate();
    for (RuntimeConfig config : configured) {
      registerConfigured(config);
    }
    publisher.start(store.dataSource());
    feedback.start(this::observed);
    engine.start(publisher::wake);
    LOG.info("control-plane: started with {} configured runtime(s)", configured.size());
  }

  @PreDestroy
  void stop() {
    engine.stop();
    feedback.stop();
    publisher.stop();
  }

  private void registerConfigured(RuntimeConfig config) {
    RuntimeId id = new RuntimeId(config.getNamespace(), config.getName());
    if (config.getTopic() == null || config.getTopic().isBlank()) {
      throw new IllegalStateException("control-plane.runtimes." + config.getName() + ".topic is required");
    }
    Map<String, String> defaults = new TreeMap<>();
    for (String key : config.getRunning()) {
      defaults.put(target(config, key).key(), StateStore.RUNNING);
    }
    for (String key : config.getPaused()) {
      defaults.put(target(config, key).key(), StateStore.PAUSED);
    }
    changed(store.register(id, config.getTopic(), defaults, "config", "config"));
  }

  private static Target target(RuntimeConfig config, String key) {
    return Target.parse(key).orElseThrow(() -> new IllegalStateException(
        "control-plane.runtimes." + config.getName() + ": '" + key + "' is not kind:name (kinds: " + Target.KINDS + ")"));
  }

  public StateStore.Change register(RuntimeId id, String topic, Map<String, String> defaults, String actor) {
    return changed(store.register(id, topic, defaults, "registered", actor));
  }

  public StateStore.Change setTargets(RuntimeId id, List<Target> targets, String state, String actor, String method) {
    return changed(store.update(id, (desired, defaults) -> {
      Map<String, String> next = new TreeMap<>(desired);
      targets.forEach(t -> next.put(t.key(), state));
      return next;
    }, actor, method));
  }

  public StateStore.Change reset(RuntimeId id, String actor) {
    return changed(store.update(id, (desired, defaults) -> defaults, actor, "reset"));
  }

  public Optional<RuntimeView> get(RuntimeId id) {
    return store.find(id);
  }

  public List<RuntimeView> list(Optional<String> namespace) {
    return store.list(namespace);
  }

  public List<StateStore.AuditEntry> audit(RuntimeId id, int limit) {
    return store.audit(id, limit);
  }

  void observed(FeedbackListener.Report report) {
    store.observe(report.runtime(), report.revision(), report.targets(), report.instance()).ifPresent(view -> {
      events.publish(view);
      engine.trigger(view.id());
    });
  }

  private StateStore.Change changed(StateStore.Change change) {
    if (change.changed()) {
      events.publish(change.view());
      publisher.wake();
      engine.trigger(change.view().id());
    }
    return change;
  }
}
