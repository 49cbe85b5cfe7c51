/** The scheduled batch worker. */
export default {
  async fetch() {
    return Response.json({ status: 'ok' });
  },
  async scheduled() {},
} satisfies ExportedHandler<Env>;
