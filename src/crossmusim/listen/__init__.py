"""The paper's listening test (Table II): studies made from the systems' retrievals (`study`), raters
and their orders (`raters`), the web app (`app`, `server`), simulated raters (`simulate`) and the MOS
report (`statistics`, `report`)."""
