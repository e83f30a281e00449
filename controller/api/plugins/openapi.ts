/** The OpenAPI document, generated from the routes' own schemas and served at /api/openapi.json. */
import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";

export async function installOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Yardline controller API",
        version: "1",
        description:
          "Every screen of the admin UI is a call to this API. Sessions use an httpOnly cookie; state-changing requests send the session's CSRF token in x-csrf-token.",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "yl_session" },
          csrf: { type: "apiKey", in: "header", name: "x-csrf-token" },
        },
      },
      security: [{ session: [] }],
    },
  });
}
