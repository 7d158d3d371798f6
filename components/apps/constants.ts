import { CATALOGUE_REFRESH_SECONDS } from "../model/traefik/labels";
/** Ports of the application tier. */
export const APP_PORTS = {
  frontend: 3000,
  backend: 8080,
  amqp: 5672,
  epmd: 4369,
  erlangDist: 25672,
  rabbitmqMetrics: 15692,
  minio: 9000,
  minioConsole: 9001,
} as const;

/** The Celery application the worker runs (`api/image_api/worker.py`). */
export const CELERY_APP = "image_api.worker.app";
/** The broker account the backend and worker use. */
export const RABBITMQ_USER = "homeport";
/** Where the frontend image serves the SPA from; its config.json is replaced at deploy time. */
export const FRONTEND_CONFIG_PATH = "/app/dist/config.json";
/** RabbitMQ reads every file in conf.d; ours comes after the image's own defaults. */
export const RABBITMQ_CONF_PATH = "/etc/rabbitmq/conf.d/20-homeport.conf";

/**
 * Seconds a routed replica (the API, the frontend) keeps serving after it is told to stop, before
 * its server gets SIGTERM (the images' entrypoint, `SHUTDOWN_DELAY_SECONDS`): twice the proxy's
 * catalogue refresh, so Traefik has dropped the replica before it stops accepting.
 */
export const ROUTED_SHUTDOWN_DELAY_SECONDS = 2 * CATALOGUE_REFRESH_SECONDS;
