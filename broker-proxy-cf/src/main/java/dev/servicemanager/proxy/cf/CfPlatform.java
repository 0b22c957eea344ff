package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.core.Access;
import dev.servicemanager.proxy.core.BrokerRegistration;
import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.Platform;
import dev.servicemanager.proxy.core.PlatformBroker;
import dev.servicemanager.proxy.core.PlatformPlan;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Platform} over the Cloud Controller v3 API (reference 4.3). Space-scoped brokers are never
 * listed, so never touched. Access scopes are organization guids (label {@code organization_guid}).
 */
final class CfPlatform implements Platform {
  static final String SCOPE_LABEL = "organization_guid";
  private static final Logger LOG = LoggerFactory.getLogger(CfPlatform.class);
  private static final int CHUNK = 50;

  private final CloudController cc;

  CfPlatform(CloudController cc) {
    this.cc = cc;
  }

  @Override
  public List<PlatformBroker> brokers() {
    List<PlatformBroker> result = new ArrayList<>();
    for (Map<String, Object> b : cc.brokers()) {
      if (Json.path(b, "relationships", "space", "data", "guid") == null) {
        result.add(broker(b));
      }
    }
    return result;
  }

  @Override
  public PlatformBroker createBroker(BrokerRegistration r) {
    cc.createBroker(r.name(), r.url(), r.username(), r.password());
    return broker(cc.brokerNamed(r.name()));
  }

  @Override
  public PlatformBroker updateBroker(PlatformBroker existing, BrokerRegistration r) {
    cc.updateBroker(existing.guid(), r.name(), r.url(), r.username(), r.password());
    return broker(cc.broker(existing.guid()));
  }

  @Override
  public void deleteBroker(PlatformBroker broker) {
    cc.deleteBroker(broker.guid());
  }

  @Override
  public List<PlatformPlan> plans(Collection<PlatformBroker> brokers) {
    if (brokers.isEmpty()) {
      return List.of();
    }
    Map<String, String> brokerNames = new HashMap<>();
    brokers.forEach(b -> brokerNames.put(b.guid(), b.name()));
    Map<String, String> offeringBroker = new HashMap<>();
    for (List<String> chunk : chunks(brokerNames.keySet())) {
      for (Map<String, Object> o : cc.offerings(chunk)) {
        offeringBroker.put(Json.string(o, "guid"),
            brokerNames.get(Json.path(o, "relationships", "service_broker", "data", "guid")));
      }
    }
    List<PlatformPlan> plans = new ArrayList<>();
    for (List<String> chunk : chunks(offeringBroker.keySet())) {
      for (Map<String, Object> p : cc.plans(chunk)) {
        String brokerName = offeringBroker.get(Json.path(p, "relationships", "service_offering", "data", "guid"));
        if (brokerName == null) {
          continue;
        }
        String guid = Json.string(p, "guid");
        String type = Json.string(p, "visibility_type");
        Set<String> orgs = new HashSet<>();
        if ("organization".equals(type)) {
          for (Map<String, Object> org : Json.objects(cc.visibility(guid), "organizations")) {
            orgs.add(Json.string(org, "guid"));
          }
        }
        plans.add(new PlatformPlan(guid, brokerName, Json.path(p, "broker_catalog", "id"), "public".equals(type), orgs));
      }
    }
    return plans;
  }

  @Override
  public void enableAccess(PlatformPlan plan, Access access) {
    if (access.isPublic()) {
      cc.replaceVisibility(plan.guid(), Map.of("type", "public"));
      LOG.info("Plan {} of broker {} is now public", plan.catalogPlanId(), plan.brokerName());
      return;
    }
    Set<String> known = new TreeSet<>();
    for (List<String> chunk : chunks(access.scopes())) {
      cc.organizations(chunk).forEach(o -> known.add(Json.string(o, "guid")));
    }
    Set<String> unknown = new TreeSet<>(access.scopes());
    unknown.removeAll(known);
    if (!unknown.isEmpty()) {
      LOG.warn("Plan {} of broker {}: organizations {} do not exist in Cloud Foundry; skipped",
          plan.catalogPlanId(), plan.brokerName(), unknown);
    }
    if (known.isEmpty()) {
      return;
    }
    List<Map<String, Object>> orgs = new ArrayList<>();
    known.forEach(g -> orgs.add(Map.of("guid", g)));
    cc.appendVisibility(plan.guid(), Map.of("type", "organization", "organizations", orgs));
    LOG.info("Plan {} of broker {} is now visible to organizations {}", plan.catalogPlanId(), plan.brokerName(), known);
  }

  @Override
  public void disableAccess(PlatformPlan plan, Access access) {
    if (access.isPublic()) {
      // Peripli leaves a public plan public here; we close it, because SM no longer makes it public.
      cc.replaceVisibility(plan.guid(), Map.of("type", "admin"));
      LOG.info("Plan {} of broker {} is no longer public", plan.catalogPlanId(), plan.brokerName());
      return;
    }
    for (String org : new TreeSet<>(access.scopes())) {
      cc.removeOrganization(plan.guid(), org);
      LOG.info("Plan {} of broker {} is no longer visible to organization {}", plan.catalogPlanId(), plan.brokerName(), org);
    }
  }

  @Override
  public String scopeLabelKey() {
    return SCOPE_LABEL;
  }

  private static PlatformBroker broker(Map<String, Object> b) {
    return new PlatformBroker(Json.string(b, "guid"), Json.string(b, "name"), Json.string(b, "url"));
  }

  private static List<List<String>> chunks(Collection<String> values) {
    List<String> all = new ArrayList<>(new TreeSet<>(values));
    List<List<String>> chunks = new ArrayList<>();
    for (int i = 0; i < all.size(); i += CHUNK) {
      chunks.add(all.subList(i, Math.min(all.size(), i + CHUNK)));
    }
    return chunks;
  }
}
