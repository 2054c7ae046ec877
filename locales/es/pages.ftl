# Las páginas del consumidor. Las páginas del personal siguen en inglés.

## Todas las páginas

layout-skip = Ir al contenido principal
layout-brand = Solicitudes de privacidad
layout-nav = Principal
layout-nav-rights = Sus derechos
layout-nav-status = Consultar una solicitud
layout-gpc-title = Respetamos su señal de exclusión.
layout-gpc-text = Su navegador envió una señal de Control Global de Privacidad (GPC): la tratamos como su solicitud de que no vendamos ni compartamos su información personal.
layout-non-discrimination = No lo discriminaremos por ejercer sus derechos de privacidad, por ejemplo negándole productos o servicios o cobrándole un precio distinto, salvo en lo que permita la ley de California.
layout-no-account = No necesita crear una cuenta.
layout-contact = ¿Tiene preguntas sobre su privacidad? Comuníquese con { $business }:
layout-contact-us = ¿Tiene preguntas sobre su privacidad? Comuníquese con nosotros:

## Consultar una solicitud

status-title = Consultar una solicitud
status-request = Solicitud
status-what-you-asked = Lo que pidió
status-status = Estado
status-received-on = Recibida el
status-more-time = Necesitamos más tiempo para responder por este motivo: { $reason }
status-our-answer = Nuestra respuesta: { $outcome }.
status-waiting-for-you = Estamos esperando que usted { $what } con el enlace que le enviamos. ¿No lo encuentra?
status-link-for-opt-in = confirme o rechace la nueva autorización
status-link-for-agent = confirme o rechace al agente que presentó la solicitud en su nombre
status-link-for-email = confirme su correo electrónico
status-send-new-link = Enviarme un enlace de confirmación nuevo
status-check-another = Puede consultar otra solicitud abajo.
status-not-found = No encontramos ninguna solicitud con ese código de seguimiento y ese correo electrónico. Revise los dos y vuelva a intentarlo.
status-tracking-code = Código de seguimiento
status-tracking-code-hint = Tiene este formato: RD-7K3M-Q9PX. Lo encuentra en el correo de su comprobante.
status-email = Correo electrónico que usó
status-check = Consultar el estado
status-privacy-request = Solicitud de privacidad
status-checking-identity = Verificando su identidad: estamos comparando sus datos con nuestros registros
status-notice-too-many = Llegaron demasiadas consultas desde su red en el último minuto. Espere un minuto y vuelva a intentarlo.
status-notice-link-sent = Le enviamos un enlace de confirmación nuevo a su correo electrónico. Los enlaces anteriores ya no funcionan.
status-notice-no-link-needed = Para esta solicitud no necesita ningún enlace: estamos revisando el poder notarial de su agente.
status-notice-capped = Hoy ya enviamos varios correos a esta dirección. Para protegerla de correos no deseados, no enviaremos otro hasta mañana; el último enlace que le enviamos sigue funcionando.
notice-status = Usamos el código de seguimiento y el correo electrónico solo para encontrar su solicitud y mostrarle su estado. Esta consulta no se guarda.

## Después de enviar

submitted-title = Solicitud recibida
submitted-heading = Recibimos su solicitud
submitted-your-code = Su código de seguimiento es
submitted-write-down = Anótelo: con este código y su correo electrónico puede
submitted-check-link = consultar su solicitud
submitted-write-down-after = { " " }cuando quiera.
submitted-next = Qué sigue
submitted-receipt-sent = Le enviamos un comprobante a
submitted-verify-step = Para proteger su información, confirmamos que la solicitud viene de usted: esté atento a un correo con un enlace para confirmar su dirección. Es posible que le pidamos algunos datos para compararlos con nuestros registros.
submitted-then-answer = Después trabajamos en su solicitud y le enviamos nuestra respuesta.
submitted-no-check = No hace falta verificar su identidad.
submitted-apply-step = Aplicamos su decisión y le avisamos por correo electrónico cuando esté hecho.
submitted-reach-us = ¿Tiene preguntas sobre su solicitud? También puede comunicarse con nosotros { $ways }.
submitted-dates = Fechas importantes
submitted-gpc = La señal de Control Global de Privacidad de su navegador también quedó registrada como una solicitud para que no vendamos ni compartamos su información personal (código de seguimiento { $code }).
submitted-back = Volver a sus derechos

## Enlaces de los correos

verify-tracking-code = Código de seguimiento:
verify-your-declaration = Su declaración
verify-declaration-why = Como esta solicitud pide una copia de su información personal, las normas de California le piden a usted, el consumidor, que firme esta declaración. Su agente no puede firmarla por usted.
verify-agent-yes = Sí, yo lo autoricé
verify-agent-no = No, rechazar esta solicitud
verify-email-button = Confirmar mi correo electrónico
verify-new-link = Pedir un enlace nuevo en la página de estado
verify-check-request = Consultar su solicitud
verify-an-agent = Un agente
verify-agent-heading = ¿Usted autorizó a este agente?
verify-agent-message = { $who } hizo esta solicitud en su nombre: { $kind }. Confírmela si usted se lo pidió; rechácela si no, y no haremos nada con ella.
verify-email-heading = Confirme su correo electrónico
verify-email-message = Oprima el botón para confirmar que usted hizo esta solicitud: { $kind }.
verify-rejected-heading = Gracias: no haremos nada con esta solicitud
verify-rejected-message = Usted nos dijo que no autorizó a este agente. Cerramos la solicitud y se lo avisamos al agente.
verify-sign-below = Para confirmar esta solicitud en su nombre ({ $kind }), firme la declaración de abajo.
verify-declaration-error = Escriba su nombre completo y marque la casilla para firmar la declaración.
verify-answer-by = Le responderemos a más tardar el { $date }.
verify-confirmed-heading = Gracias: confirmamos su correo electrónico
verify-confirmed-working = Ya estamos trabajando en su solicitud: { $kind }.
verify-confirmed-matching = Todavía tenemos que comparar algunos datos con nuestros registros antes de atender su solicitud: { $kind }. Es posible que nos comuniquemos con usted sobre ellos.
verify-used-heading = Este enlace ya se usó
verify-used-message = Su correo electrónico ya se confirmó con este enlace. No tiene que hacer nada más: puede consultar el estado de su solicitud cuando quiera.
verify-expired-heading = Este enlace venció
verify-expired-message = Por su seguridad, los enlaces de confirmación funcionan por un tiempo limitado y solo funciona el más reciente. Puede pedir un enlace nuevo en la página de estado.
verify-not-waiting-heading = Ya no hace falta confirmar nada
verify-not-waiting-message = Esta solicitud ya no espera su confirmación. Su estado: { $status }.
verify-invalid-heading = Este enlace no es válido
verify-invalid-message = Es posible que el enlace se haya copiado incompleto. Ábralo de nuevo desde el correo, o pida uno nuevo en la página de estado con su código de seguimiento.

## Descargar una respuesta

download-title = Descargar su información
download-confirm-email = Para proteger su información, confirme el correo electrónico con el que hizo la solicitud. Le enviaremos un código de un solo uso.
download-email = Correo electrónico
download-send-code = Enviarme un código
download-code = Código de un solo uso
download-button = Descargar
download-no-code = ¿No le llegó el código? Envíe uno nuevo a su dirección:
download-send-new-code = Enviar un código nuevo
download-invalid = Este enlace de descarga no es válido. Ábralo de nuevo desde el correo que le enviamos.
download-expired = Este enlace de descarga venció. Comuníquese con nosotros con su código de seguimiento y le enviaremos uno nuevo.
download-locked = Demasiados intentos equivocados: por su seguridad, este enlace de descarga quedó bloqueado y ningún código nuevo lo hará funcionar. Comuníquese con { $business } y dé el código de seguimiento de nuestros correos; confirmaremos que es usted y le enviaremos un enlace nuevo.
download-wrong-email = Ese no es el correo electrónico con el que se hizo esta solicitud.
download-code-sent = Le enviamos un código de un solo uso a su correo electrónico. Escríbalo abajo para descargar su información.
download-wrong-code = Ese código no es correcto, o ya venció o se usó. Revise el correo más reciente o pida un código nuevo.

## Una solicitud desde la aplicación de un agente autorizado (Data Rights Protocol)

drp-check-email = Revise su correo electrónico
drp-confirm-title = Confirme que es usted
drp-sent = Enviamos un enlace nuevo al correo electrónico que le dio a su agente autorizado. Ábralo para confirmar que es usted; después lo llevaremos de vuelta.
drp-opt-in = Su agente autorizado nos pidió que volviéramos a autorizar la venta y el intercambio de su información personal. Solo usted puede confirmarlo: le enviamos un enlace al correo electrónico que le dio. Ábralo para confirmar o rechazar. Mientras no lo haga, nada cambia.
drp-awaiting = Su agente autorizado hizo una solicitud de privacidad en su nombre. Para proteger su información, necesitamos saber que la solicitud es suya: le enviamos un enlace al correo electrónico que le dio a su agente. Ábralo para confirmar; después lo llevaremos de vuelta.
drp-cannot-find = ¿No encuentra el mensaje? Busque en su carpeta de correo no deseado, o pida un enlace nuevo. Se envía a la misma dirección, nunca a una que se escriba aquí.
drp-send-new-link = Enviarme un enlace nuevo
drp-nothing-title = No tiene que hacer nada
drp-nothing = Esta solicitud no necesita que confirme nada por ahora. Su agente autorizado le informará cómo avanza.

## Volver a autorizar

opt-in-heading = ¿Quiere volver a autorizar la venta y el intercambio de su información personal?
opt-in-asked-by-named = { $agent }, un agente autorizado, nos pidió en su nombre que volviéramos a autorizar la venta y el intercambio de su información personal. Solo usted puede confirmarlo.
opt-in-asked-by-agent = Un agente autorizado nos pidió en su nombre que volviéramos a autorizar la venta y el intercambio de su información personal. Solo usted puede confirmarlo.
opt-in-means-title = Qué significa volver a autorizar
opt-in-means-remove = Quitamos su exclusión: podríamos entonces vender su información personal o compartirla para publicidad conductual entre contextos, como lo explica nuestra política de privacidad.
opt-in-means-again = Puede volver a excluirse cuando quiera, sin costo y sin crear una cuenta.
opt-in-means-nothing = Nada cambia a menos que usted lo confirme. Si lo rechaza, su exclusión sigue vigente.
opt-in-means-nothing-by = Nada cambia a menos que usted lo confirme. Si lo rechaza, o no responde antes de que termine el { $date }, su exclusión sigue vigente.
opt-in-gpc-title = Su navegador nos pide que no vendamos ni compartamos su información.
opt-in-gpc-text = Envía una señal de Control Global de Privacidad (GPC), que contradice la nueva autorización, así que no la aplicaremos desde este navegador. Para volver a autorizar, abra el enlace del correo en un navegador que no envíe esa señal. Aquí puede rechazarla.
opt-in-yes = Sí, vuelvo a autorizar
opt-in-no = No, mantener mi exclusión
opt-in-opt-out-again = : puede volver a excluirse cuando quiera.
opt-in-done-heading = Listo: volvió a dar su autorización
opt-in-done-message = Quitamos su exclusión de la venta y el intercambio de su información personal y le enviamos una confirmación por correo electrónico. Puede volver a excluirse cuando quiera.
opt-in-declined-heading = Gracias: nada cambió
opt-in-declined-message = Usted rechazó la nueva autorización. Su exclusión sigue vigente y cerramos la solicitud.
opt-in-used-message = Su respuesta ya quedó registrada con este enlace; no tiene que hacer nada más. Estado: { $status }.
opt-in-expired-message = Ya pasó el plazo para confirmar esta autorización, o un enlace más reciente reemplazó a este. Si no se confirmó, nada cambió: su exclusión sigue vigente.
opt-in-not-waiting-heading = Esta autorización ya no espera su respuesta
opt-in-status = Su estado: { $status }.
opt-in-choose-one = Elija uno de los dos botones.
opt-in-not-applied-gpc = No aplicamos la autorización. Su navegador envía una señal de Control Global de Privacidad (GPC), que nos pide no vender ni compartir su información personal, y la respetamos. Nada cambió.

## Un agente que sigue una solicitud

agent-status-intro = Usted presentó esta solicitud como agente autorizado.
agent-status-what = Lo que se pidió

## La lista de derechos

home-title = Sus derechos de privacidad
home-lead = La ley de California le da control sobre la información personal que { $business } tiene sobre usted. Elija lo que quiere hacer. No necesita crear una cuenta y es gratis.
home-opt-out-summary = Detenga la venta y el intercambio de su información personal. Sin verificar su identidad y sin dar datos personales.
home-limit-summary = Haga que su información personal confidencial se use solo para atenderle. Sin verificar su identidad y sin dar datos personales.
home-already = ¿Ya hizo una solicitud?
home-check-status = Consulte su estado
home-check-status-after = { " " }con su código de seguimiento.

## Los formularios

form-all-rights = Todos sus derechos
form-about-you = Sus datos
form-full-name = Nombre completo
form-name-optional = Nombre (opcional)
form-email = Correo electrónico
form-email-hint = Aquí le enviamos su comprobante y un enlace para confirmar esta dirección.
form-email-hint-choice = Lo usamos solo para aplicar su decisión y avisarle cuando esté hecho.
form-phone = Número de teléfono
form-phone-optional = Número de teléfono (opcional)
form-phone-hint-copy = Indique un número de teléfono, una dirección postal o ambos: los comparamos con nuestros registros para asegurarnos de que solo usted reciba sus datos.
form-helps-find = Nos ayuda a encontrar sus registros.
form-address = Dirección postal
form-address-optional = Dirección postal (opcional)
form-california-resident = Resido en California
form-lookback = ¿Desde cuándo?
form-lookback-12 = Los últimos 12 meses
form-lookback-2022 = Todo desde el 1 de enero de 2022
form-correct-legend = ¿Qué debemos corregir?
form-correction-field = ¿Qué información está equivocada?
form-correction-field-hint = Por ejemplo: dirección postal, fecha de nacimiento, cómo se escribe su nombre.
form-current-value = Lo que dice ahora (opcional)
form-corrected-value = Lo que debería decir
form-document = Un documento que muestre la información correcta (opcional)
form-document-hint = Lo usamos solo para esta corrección.
form-file-hint = PDF, PNG o JPEG, de hasta { $mb } MB.
form-details = ¿Hay algo más que debamos saber? (opcional)
form-details-hint = Por ejemplo, cuentas o servicios que usó con nosotros.
form-format-legend = ¿Necesita nuestra respuesta en otro formato? (opcional)
form-format-none = No, el formato de siempre
form-format-large-print = Letra grande
form-format-audio = Audio
form-format-braille = Braille
form-format-other = Otro formato (indique cuál abajo)
form-format-note = ¿Qué formato, o qué más le ayudaría? (opcional)
form-declaration = Declaración
form-declaration-why = Como pide una copia de su información personal, las normas de California le piden que firme esta declaración:
form-declaration-agent-hint = ¿Presenta la solicitud como agente con el permiso firmado del consumidor? Deje esto vacío: el consumidor la firma desde el enlace que le enviamos por correo. Con un poder notarial, o como padre, madre o tutor de un menor de 13 años, la firma usted con su propio nombre.
form-submit = Enviar la solicitud
form-agent-summary = ¿Presenta la solicitud por otra persona?
form-agent-hint = Para agentes autorizados, y para el padre, la madre o el tutor legal de un menor de 13 años. Dé arriba los datos del consumidor, y aquí los suyos.
form-agent-for-someone = Presento esta solicitud en nombre de la persona indicada arriba
form-agent-name = Su nombre
form-agent-organisation = Su organización (opcional)
form-agent-email = Su correo electrónico
form-agent-email-hint = Le enviamos el comprobante y todas las novedades.
form-authority = Su autoridad
form-authority-permission = Tengo el permiso firmado del consumidor (adjúntelo abajo)
form-authority-poa = Tengo un poder notarial conforme a las secciones 4121 a 4130 del Código Testamentario de California
form-authority-guardian = Soy el padre, la madre o el tutor legal del consumidor, un menor de 13 años (adjunte una prueba abajo, como un acta de nacimiento o una orden de tutela)
form-permission = El permiso firmado, el poder notarial (opcional) o la prueba de que usted es el padre, la madre o el tutor del menor
form-agent-declaration = Declaro que estoy autorizado para hacer esta solicitud en nombre del consumidor indicado arriba
form-guardian-declaration = Solo para el padre, la madre o el tutor legal: declaro que soy el padre, la madre o el tutor legal del menor indicado arriba, que el menor tiene menos de 13 años y que hago esta solicitud en su nombre
form-agent-submit = Enviar la solicitud para esta persona
form-browser-title = Sin dar ningún dato
form-browser-text = Registramos su decisión para este navegador en este sitio. No nos da su nombre ni su correo electrónico, así que no podemos enviarle una confirmación ni aplicarla en ningún otro lugar.
form-browser-opt-out = Excluirme en este navegador
form-browser-limit = Limitar el uso en este navegador
form-with-email-title = Con confirmación por correo electrónico
form-with-email-text = Dé su correo electrónico: aplicamos su decisión a la información que tenemos asociada a él, dondequiera que use nuestros servicios, y le avisamos por correo cuando esté hecho.
form-with-email-opt-out = Excluirme y confirmar por correo
form-with-email-limit = Limitar el uso y confirmar por correo

## Una decisión registrada para un navegador

browser-title = Decisión registrada para este navegador
browser-heading-opt-out = Su exclusión quedó registrada para este navegador
browser-heading-limit = Su límite quedó registrado para este navegador
browser-covers = Qué abarca
browser-covers-this-strong = Este navegador, en este sitio.
browser-covers-this = Guardamos un número al azar en una cookie de este navegador y aplicamos su decisión cada vez que este navegador vuelva.
browser-covers-not-other-strong = No abarca otros navegadores ni dispositivos
browser-covers-not-other = , ni este navegador si borra sus cookies: no sabemos quién es usted, así que no podemos reconocerle allí.
browser-covers-not-records-strong = No abarca la información que tenemos asociada a su nombre o correo electrónico.
browser-covers-not-records-before = Para eso,
browser-covers-not-records-link = tome la misma decisión con su correo electrónico
browser-covers-not-records-after = ; así la aplicamos a sus registros y se la confirmamos por correo.
browser-gpc = Su navegador también puede enviar la señal de Control Global de Privacidad (GPC): la tratamos como la misma decisión en cada visita.

## El enlace "Sus opciones de privacidad" para el sitio de la empresa

choices-title = Enlace "Sus opciones de privacidad" para su sitio
choices-heading = El enlace "Sus opciones de privacidad"
choices-lead = Las normas de California permiten a una empresa ofrecer un solo enlace, "Sus opciones de privacidad", con este ícono, en lugar de los enlaces separados para excluirse y para limitar (reg. §7015). Lleva a las opciones de este portal.
choices-looks = Cómo se ve
choices-link-text = Sus opciones de privacidad
choices-html = El HTML para su sitio
choices-paste = Péguelo donde están los enlaces del pie de página de su sitio. Mantenga el ícono junto al texto y más o menos del mismo tamaño.
choices-icon-alone = Solo el ícono:
choices-icon-size = (SVG, 30 × 14).

## «Shine the Light» (Código Civil §1798.83)

stl-home-title = Información compartida para mercadeo directo («Shine the Light»)
stl-home-text = Aparte de los derechos anteriores, la ley de California le permite preguntar una vez al año a qué empresas dimos su información personal para su propio mercadeo directo.
stl-lead = La ley «Shine the Light» de California (Código Civil §1798.83) le permite preguntarnos, una vez por año calendario, qué tipos de información personal dimos a otras empresas para su propio mercadeo directo durante el año calendario anterior, y qué empresas fueron. Es gratis y no necesita una cuenta.
stl-separate = Esto es aparte de sus derechos bajo la Ley de Privacidad del Consumidor de California. Solo necesitamos confirmar su correo electrónico: nuestra respuesta no contiene información personal sobre usted.
stl-email-hint = Aquí le enviamos su comprobante, un enlace para confirmar esta dirección y nuestra respuesta.
stl-address-hint = Solo si también quiere recibir nuestra respuesta por correo postal.
stl-notice-collection = Qué recopilamos y para qué: el nombre, el correo electrónico y (si nos la da) la dirección postal de este formulario, solo para responder a esta solicitud y para nada más. Por cuánto tiempo: conservamos el registro de su solicitud durante { $months } meses, como exigen las normas de California, y después borramos la información personal que contiene.
stl-already-answered = Ya le enviamos la respuesta de este año con su solicitud { $code }. La ley da esta respuesta una vez por año calendario, así que ahora enviamos una copia a { $email }.
stl-receipt-step = Le enviamos un comprobante a { $email }, con un enlace para confirmar esa dirección. Es todo lo que necesitamos de usted.
stl-linked-step = Usted ya hizo esta solicitud este año ({ $code }). Respondemos a ambas juntas.
stl-answer-step = Después le enviamos nuestra respuesta por correo electrónico.
