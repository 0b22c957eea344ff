package dev.servicemanager.server.credentials;

/** Whether a notification id names a broker notification for that platform and broker (reference 2.9). */
public interface CredentialNotifications {
  boolean isBrokerNotification(String notificationId, String platformId, String brokerId);
}
