# Correos para el consumidor. Los mensajes al personal siguen en inglés.

mail-hello = Hola:
mail-button-fallback = Si el botón no funciona, copie esta dirección en su navegador: { $url }
mail-tracking-code-text = Su código de seguimiento es { $code }. Puede consultar su solicitud en cualquier momento en { $url }.
mail-tracking-code-html-before = Su código de seguimiento es { $code }. Puede
mail-tracking-code-html-link = consultar su solicitud
mail-tracking-code-html-after = { " " }en cualquier momento.
mail-not-you = Si usted no hizo esta solicitud, puede ignorar este mensaje.
mail-questions = ¿Tiene preguntas? También puede comunicarse con nosotros { $ways }.
mail-verify-button = Confirmar mi correo electrónico
mail-verify-link-works = { $days ->
    [one] El enlace se puede usar una sola vez durante { $days } día. Si ya venció, puede pedir uno nuevo en la página de estado.
   *[other] El enlace se puede usar una sola vez durante { $days } días. Si ya venció, puede pedir uno nuevo en la página de estado.
}
mail-link-works = { $days ->
    [one] El enlace se puede usar una sola vez durante { $days } día.
   *[other] El enlace se puede usar una sola vez durante { $days } días.
}
mail-new-link-works = { $days ->
    [one] El enlace se puede usar una sola vez durante { $days } día. Los enlaces que le enviamos antes ya no funcionan.
   *[other] El enlace se puede usar una sola vez durante { $days } días. Los enlaces que le enviamos antes ya no funcionan.
}
mail-earlier-links-void = Los enlaces que le enviamos antes ya no funcionan.
mail-confirm-or-reject = Confirmar o rechazar
mail-confirm-or-decline = Confirmar o rechazar
mail-the-reason = El motivo: { $reason }
mail-the-reason-denied = El motivo: { $reason }.
mail-you-asked = Usted nos pidió: { $kind }.
mail-welcome-new-request = Puede hacer una nueva solicitud cuando quiera.
mail-new-request-button = Hacer una nueva solicitud
mail-record-kept = Guardamos un registro de la solicitud en sí, como lo exige la ley.

mail-receipt-subject = Recibimos su solicitud de privacidad { $code }
mail-receipt-received = Recibimos su solicitud: { $kind }.
mail-receipt-next-verify = Qué sigue: para proteger su información, primero confirmamos que la solicitud viene de usted. Confirme su correo electrónico con el botón de abajo. Es posible que también le pidamos algunos datos para compararlos con nuestros registros. Nunca le pediremos una contraseña y no necesita crear una cuenta.
mail-receipt-next-no-verify = Qué sigue: para esta solicitud no necesitamos verificar su identidad. Aplicaremos su decisión y le avisaremos cuando esté hecho.

mail-quoted-agent-name = Nombre que dio el agente
mail-quoted-agent-organisation = Organización que dio el agente
mail-agent-confirmation-subject = ¿Le pidió a un agente que hiciera una solicitud de privacidad por usted? ({ $code })
mail-agent-confirmation-intro = Una persona nos dijo que usted la autorizó, como su agente, a hacer esta solicitud en su nombre: { $kind }.
mail-agent-confirmation-unchecked = Esto es lo que nos dijo sobre sí misma; no lo hemos verificado:
mail-agent-confirmation-choose = Confirme o rechace la solicitud con el botón de arriba. Si usted no autorizó a esa persona, rechácela y no haremos nada con la solicitud.

mail-agent-receipt-subject = Recibimos la solicitud { $code } que usted presentó como agente autorizado
mail-agent-receipt-received = Recibimos la solicitud que usted presentó en nombre de un consumidor: { $kind }.
mail-agent-receipt-follow = Le enviaremos todas las novedades. Puede seguirla en cualquier momento con el enlace de abajo.
mail-agent-receipt-button = Seguir esta solicitud

mail-verification-link-subject = Confirme su correo electrónico para la solicitud { $code }
mail-verification-link-intro = Aquí tiene un enlace nuevo para confirmar su correo electrónico, como lo pidió.
mail-verification-reminder-subject = Recordatorio: confirme su correo electrónico para la solicitud { $code }
mail-verification-reminder-intro = Usted nos pidió: { $kind }. No podemos seguir adelante hasta que confirme su correo electrónico.
mail-close-if-unconfirmed = Si no podemos confirmar que es usted a más tardar el { $date }, tendremos que cerrar la solicitud sin atenderla.

mail-agent-reminder-subject = Recordatorio: ¿autorizó a un agente a hacer una solicitud de privacidad por usted? ({ $code })
mail-agent-reminder-intro = Un agente autorizado hizo esta solicitud en su nombre: { $kind }. No podemos atenderla hasta que usted confirme o rechace al agente.
mail-close-if-no-answer = Si no sabemos nada de usted a más tardar el { $date }, tendremos que cerrar la solicitud sin atenderla.
mail-agent-link-subject = Su nuevo enlace para confirmar o rechazar al agente ({ $code })
mail-agent-link-intro = Aquí tiene un enlace nuevo para confirmar o rechazar al agente que hizo una solicitud de privacidad en su nombre, como lo pidió.

mail-applied-subject = Ya aplicamos su decisión de privacidad ({ $code })
mail-applied-processed = Procesamos su solicitud: { $kind }.
mail-applied-opt-out = Ya no vendemos ni compartimos su información personal.
mail-applied-limit = Ahora usamos su información personal confidencial solo para lo necesario para darle los productos y servicios que usted pide.
mail-applied-nothing-else = No tiene que hacer nada más. No le pediremos que vuelva a dar su autorización durante al menos 12 meses.

mail-extension-subject = Necesitamos más tiempo para la solicitud { $code }
mail-extension-intro = Necesitamos más tiempo para responder a su solicitud por completo, como la ley lo permite una vez.

mail-outcome-complete-subject = Su solicitud está completa ({ $code })
mail-outcome-complete = Completamos su solicitud: { $kind }.
mail-outcome-partial-subject = Su solicitud está completa en parte ({ $code })
mail-outcome-partial = Completamos una parte de su solicitud: { $kind }.
mail-package-ready = Su información está lista para descargar, en archivos JSON y CSV que puede abrir y volver a usar.
mail-package-button = Descargar su información
mail-package-protect = { $days ->
    [one] Para protegerla, la página le pide su correo electrónico y le envía un código de un solo uso antes de empezar la descarga. El enlace funciona durante { $days } día.
   *[other] Para protegerla, la página le pide su correo electrónico y le envía un código de un solo uso antes de empezar la descarga. El enlace funciona durante { $days } días.
}
mail-download-code-subject = Su código de descarga para la solicitud { $code }
mail-download-code-enter = Escriba este código en la página de descarga: { $code }
mail-download-code-works = { $minutes ->
    [one] Se puede usar una sola vez, durante { $minutes } minuto. Si usted no lo pidió, puede ignorar este mensaje.
   *[other] Se puede usar una sola vez, durante { $minutes } minutos. Si usted no lo pidió, puede ignorar este mensaje.
}

mail-closed-subject = Cerramos su solicitud { $code }: no se pudo verificar su identidad
mail-closed-agent-unconfirmed = No pudimos confirmar la autoridad del agente que la hizo en su nombre, así que no pudimos verificar que la solicitud viene de usted. Por eso cerramos la solicitud sin atenderla.
mail-closed-identity-unverified = No pudimos verificar su identidad a tiempo. Por eso cerramos la solicitud sin atenderla.
mail-unverified-specific-as-categories = Sin verificar su identidad no podemos entregar datos personales específicos. Tratamos su solicitud como una solicitud para saber qué categorías de información personal recopilamos.
mail-privacy-policy-describes = Nuestra política de privacidad describe las categorías de información personal que recopilamos, de dónde viene, para qué la usamos y a quién se la revelamos.
mail-privacy-policy-describes-at = Nuestra política de privacidad describe las categorías de información personal que recopilamos, de dónde viene, para qué la usamos y a quién se la revelamos: { $url }

mail-denied-subject = No pudimos completar su solicitud ({ $code })
mail-denied-intro = No pudimos completar su solicitud: { $kind }.
mail-denied-delete-offer-opt-out = Aun así, puede pedirnos que dejemos de vender o compartir su información personal. Para eso no hace falta verificar su identidad.
mail-denied-correct-offer-delete = Si lo prefiere, puede pedirnos que eliminemos la información en lugar de corregirla.
mail-denied-questions = Si tiene preguntas sobre esta decisión, o no está de acuerdo, puede comunicarse con nosotros { $ways }.

mail-withdrawn-subject = Se retiró su solicitud { $code }
mail-withdrawn-intro = Se retiró su solicitud: { $kind }.
mail-withdrawn-closed = La cerramos y no haremos nada más con ella. Puede hacer una nueva solicitud cuando quiera.

mail-opt-in-means = Si vuelve a dar su autorización, quitamos su exclusión: podríamos entonces vender su información personal o compartirla para publicidad conductual entre contextos, como lo explica nuestra política de privacidad.
mail-opt-in-request-subject = ¿Pidió volver a autorizar la venta y el intercambio de su información? ({ $code })
mail-opt-in-request-intro = { $agent }, un agente autorizado, nos pidió en su nombre que volviéramos a autorizar la venta y el intercambio de su información personal.
mail-opt-in-nothing-changes = Nada cambia a menos que usted mismo lo confirme. Si no lo pidió, o cambió de opinión, rechácelo o simplemente ignore este mensaje: su exclusión sigue vigente.
mail-opt-in-link-works = El enlace abre una página donde usted decide; se puede usar una sola vez, hasta el final del { $date }.
mail-opt-in-link-subject = Su nuevo enlace para confirmar o rechazar la nueva autorización ({ $code })
mail-opt-in-link-intro = Aquí tiene un enlace nuevo para confirmar o rechazar que se vuelva a autorizar la venta y el intercambio de su información personal, como lo pidió.
mail-opted-in-subject = Volvió a autorizar la venta y el intercambio de su información ({ $code })
mail-opted-in-done = Como usted lo confirmó, quitamos su exclusión de la venta y el intercambio de su información personal. Ahora podemos venderla o compartirla, como lo explica nuestra política de privacidad.
mail-opted-in-again = Puede volver a excluirse cuando quiera, sin costo y sin crear una cuenta, con el enlace de abajo.
mail-opt-in-declined-subject = Rechazó la nueva autorización: nada cambió ({ $code })
mail-opt-in-declined-intro = Usted rechazó la solicitud de volver a autorizar la venta y el intercambio de su información personal.
mail-opt-out-stays = Nada cambió: su exclusión sigue vigente.
mail-opt-in-lapsed-subject = No se confirmó la autorización { $code }: nada cambió
mail-opt-in-lapsed-intro = Un agente autorizado nos pidió en su nombre que volviéramos a autorizar la venta y el intercambio de su información personal.
mail-opt-in-lapsed-closed = La autorización no se confirmó a tiempo, así que no la aplicamos y cerramos la solicitud. Su exclusión sigue vigente: no tiene que hacer nada.

## «Shine the Light» (Código Civil §1798.83): el comprobante y la respuesta (correo y carta impresa)

mail-stl-receipt-subject = Recibimos su solicitud «Shine the Light» { $code }
mail-stl-received = Recibimos su solicitud: { $kind }.
mail-stl-linked = Usted ya hizo esta solicitud este año ({ $code }). Respondemos a ambas juntas: recibirá la misma respuesta para cada una.
mail-stl-next = Lo que sigue: confirme su correo electrónico con el botón de abajo. Es todo lo que necesitamos: nuestra respuesta no contiene información personal sobre usted. Nunca le pedimos una contraseña y no necesita una cuenta.
mail-stl-answer-subject = Nuestra respuesta a su solicitud «Shine the Light» ({ $code })
mail-stl-answer-intro = Esta es nuestra respuesta a su solicitud: { $kind }.
mail-stl-again-subject = La respuesta de este año, otra vez ({ $code })
mail-stl-again-intro = Usted nos volvió a preguntar este año: { $kind }. La ley da esta respuesta una vez por año calendario, y ya se la enviamos con su solicitud { $earlier }.
mail-stl-again-copy = Esta es una copia de esa respuesta:
mail-stl-opt-out-button = No permitir que se comparta mi información para mercadeo directo
mail-stl-nothing-disclosed = En { $year }, { $business } no dio información personal de sus clientes a terceros para el mercadeo directo de esos terceros.
mail-stl-disclosed = En { $year }, { $business } dio estas categorías de información personal a terceros para el mercadeo directo de esos terceros: { $categories }.
mail-stl-third-parties = Estos son los terceros que la recibieron en { $year }, con sus direcciones:
mail-stl-third-party = { $name }, { $address }.
mail-stl-third-party-markets = { $name }, { $address }. Lo que promociona: { $examples }.
mail-stl-opt-out-choice = { $business } permite a sus clientes impedir que su información personal se dé a terceros para el mercadeo directo de esos terceros (Código Civil de California, §1798.83(c)(2)). En lugar de una lista de lo que se compartió, la ley nos permite informarle de esa opción.
mail-stl-opt-out-where = Puede elegirla en cualquier momento y sin costo: { $url }
mail-stl-letter-title = Su solicitud «Shine the Light» { $code }
mail-stl-letter-dear = Estimado/a { $name }:
mail-stl-letter-dear-customer = Estimado/a cliente:
mail-stl-letter-intro = Esta es nuestra respuesta a su solicitud según el Código Civil de California, §1798.83, sobre la información personal que se da a terceros para su mercadeo directo.
mail-stl-letter-sincerely = Atentamente,

## Un enlace de descarga nuevo, enviado por el personal

mail-new-download-subject = Un enlace nuevo para descargar la respuesta a su solicitud { $code }
mail-new-download-intro = Este es un enlace nuevo para descargar la respuesta a su solicitud de privacidad. El enlace que le enviamos antes ya no funciona.
mail-new-download-works = { $days ->
    [one] El enlace funciona durante { $days } día. Cada descarga pide un código de un solo uso, que enviamos a este correo electrónico.
   *[other] El enlace funciona durante { $days } días. Cada descarga pide un código de un solo uso, que enviamos a este correo electrónico.
}

## Transmitida a quienes corresponde la decisión

mail-passed-on-subject = Su solicitud { $code } fue transmitida
mail-passed-on-intro = Su solicitud ({ $kind }) se transmitió a los proveedores de servicios, contratistas y demás partes a las que corresponde.
mail-nothing-to-do = No necesita hacer nada.

## La carta de comprobante que el personal imprime para una solicitud sin correo electrónico

letter-receipt-title = Recibimos su solicitud de privacidad
letter-hello = Hola:
letter-receipt-received = Recibimos su solicitud el { $date }: { $kind }.
letter-receipt-code = Su código de seguimiento es
letter-receipt-by-letter = Menciónelo siempre que se comunique con nosotros sobre esta solicitud. Como no nos dio un correo electrónico, le responderemos por carta, y puede preguntar por su solicitud por teléfono o por correo postal, mencionando este código.
letter-receipt-format = Usted pidió nuestra respuesta en otro formato: se la enviaremos así.
letter-reach-us = Cómo comunicarse con nosotros
letter-reach-us-ways = Puede comunicarse con nosotros { $ways }, o en línea en { $url }.
letter-reach-us-online = Puede comunicarse con nosotros en línea en { $url }.
